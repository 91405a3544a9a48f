/**
 * The instruments of `npm run bench -- cli`: code run inside the kernel, inside jupyter execute and inside
 * nbconductor to see where CPU time goes, and the kernel-alone runs. Linux only (CPU per thread is read from
 * /proc/self/task/<tid>/stat, in clock ticks of 10 ms).
 */

/** CPU per thread group, ms: the client's (or the kernel's) main thread, its ZeroMQ I/O threads, the rest. */
export interface ThreadCpu {
  main: number;
  zmq: number;
  /** ipykernel's IOPub thread (kernel only). */
  iopub?: number;
  other: number;
}

/** One timed loop inside the kernel: wall time and the kernel's CPU per thread group during it, ms. */
export interface LoopSample {
  wallMs: number;
  cpu: ThreadCpu;
}

/** Python: CPU ms per thread group of this process (threads named by `threading`, else by their comm). */
const PY_THREAD_CPU = `
def _nbc_thread_cpu():
    import os, threading
    names = {t.native_id: t.name for t in threading.enumerate()}
    tick = 1000 / os.sysconf('SC_CLK_TCK')
    out = {}
    for tid in os.listdir('/proc/self/task'):
        try:
            with open(f'/proc/self/task/{tid}/stat') as f:
                s = f.read()
        except OSError:
            continue
        comm = s[s.index('(') + 1:s.rindex(')')]
        fields = s[s.rindex(')') + 2:].split()
        name = names.get(int(tid), comm)
        group = ('main' if name == 'MainThread' else 'iopub' if name == 'IOPub'
                 else 'zmq' if comm.startswith('ZMQbg/') else 'other')
        out[tid] = (group, (int(fields[11]) + int(fields[12])) * tick)
    return out
`;

/**
 * test/fixtures/notebooks/print-lines.ipynb's loop, timed inside the kernel: wall time and the kernel's
 * CPU per thread during the loop are appended as one JSON line to NBC_BENCH_LOOP_FILE (the kernel
 * inherits the command's environment).
 */
export const TIMED_LOOP = [
  PY_THREAD_CPU.trim(),
  'import json, os, time',
  '_c0 = _nbc_thread_cpu()',
  't0 = time.perf_counter()',
  'for i in range(lines):',
  "    print(f'line {i}', flush=flush)",
  '_wall = time.perf_counter() - t0',
  '_cpu = {}',
  'for _tid, (_g, _ms) in _nbc_thread_cpu().items():',
  '    _cpu[_g] = _cpu.get(_g, 0) + _ms - _c0.get(_tid, (_g, 0))[1]',
  "open(os.environ['NBC_BENCH_LOOP_FILE'], 'a').write(json.dumps({'wallMs': _wall * 1000, 'cpu': _cpu}) + '\\n')",
].join('\n');

/**
 * The kernel alone: the same loop, argv[2] times in one kernel started by jupyter_client, with iopub read
 * by nobody (argv[1] = "none": jupyter_client's iopub channel closed, so ipykernel's PUB socket has no
 * subscriber and drops each message at once) or by a bare ZeroMQ subscriber in a Node process that only
 * receives (argv[1] = "bare", argv[3] = that script): the least any reader costs the kernel.
 */
export function kernelAloneScript(lines: number): string {
  return [
    'import subprocess, sys, time',
    'from jupyter_client.manager import start_new_kernel',
    'mode, runs = sys.argv[1], int(sys.argv[2])',
    "km, kc = start_new_kernel(kernel_name='python3')",
    'kc.iopub_channel.stop()',
    'kc.iopub_channel.close()',
    'reader = None',
    "if mode == 'bare':",
    '    import select',
    "    reader = subprocess.Popen(['node', sys.argv[3], km.connection_file], stdout=subprocess.PIPE, text=True)",
    '    deadline = time.time() + 60',
    '    # A SUB socket misses what is published before its subscription arrives: ping until it hears one.',
    '    while not select.select([reader.stdout], [], [], 0.2)[0]:',
    "        if time.time() > deadline: raise SystemExit('the bare reader never heard the kernel')",
    '        kc.execute("pass")',
    '        kc.get_shell_msg(timeout=60)',
    `code = ${JSON.stringify(`lines = ${lines}\nflush = True\n${TIMED_LOOP}`)}`,
    'for _ in range(runs):',
    '    kc.execute(code)',
    '    kc.get_shell_msg(timeout=300)',
    'if reader:',
    '    reader.terminate()',
    '    reader.wait()',
    'km.shutdown_kernel(now=False)',
  ].join('\n');
}

/**
 * The bare reader (CommonJS; argv[2] is the kernel's connection file): subscribes to iopub, prints one
 * line when the first message arrives (so the caller knows it is subscribed), then only receives.
 */
export function bareReaderScript(zeromqPath: string): string {
  return [
    `const zmq = require(${JSON.stringify(zeromqPath)});`,
    "const info = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));",
    'const sub = new zmq.Subscriber({ receiveHighWaterMark: 0 });',
    'sub.subscribe();',
    'sub.connect(`${info.transport}://${info.ip}:${info.iopub_port}`);',
    'let said = false;',
    "process.on('SIGTERM', () => process.exit(0));",
    '(async () => {',
    '  for (;;) {',
    '    await sub.receive();',
    "    if (!said) { said = true; process.stdout.write('subscribed\\n'); }",
    '  }',
    '})();',
  ].join('\n');
}

/**
 * nbclient's CLI with timestamps at the phase boundaries and its own CPU per thread at exit, written as
 * JSON to NBC_BENCH_TRACE.
 */
export const JX_TRACE = `
import atexit, json, os, sys, time
T = {}
def mark(k):
    T.setdefault(k, time.time() * 1000)
from nbclient.cli import main
from nbclient import client as C
import nbformat
def wrap(name, before=None, after=None):
    orig = getattr(C.NotebookClient, name)
    async def f(self, *a, **k):
        if before: mark(before)
        r = await orig(self, *a, **k)
        if after: mark(after)
        return r
    setattr(C.NotebookClient, name, f)
wrap('async_start_new_kernel', before='kernelLaunch')
wrap('async_start_new_kernel_client', after='kernelReady')
wrap('_async_cleanup_kernel', before='executed', after='stopped')
write = nbformat.write
def traced_write(*a, **k):
    r = write(*a, **k)
    mark('saved')
    return r
nbformat.write = traced_write
${PY_THREAD_CPU}
def _nbc_exit():
    import resource
    cpu = {'main': 0, 'zmq': 0}
    for group, ms in _nbc_thread_cpu().values():
        if group in cpu: cpu[group] += ms
    # Threads that already ended (ZeroMQ's, once the context is closed) count in the process total only.
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu['other'] = max(0, (ru.ru_utime + ru.ru_stime) * 1000 - cpu['main'] - cpu['zmq'])
    T['cpu'] = cpu
    open(os.environ['NBC_BENCH_TRACE'], 'w').write(json.dumps(T))
atexit.register(_nbc_exit)
sys.argv = ['jupyter-execute'] + sys.argv[1:]
sys.exit(main())
`;

/**
 * Preloaded into nbconductor (`node --require`): its CPU per thread at exit, as JSON, to NBC_BENCH_CPU.
 * Threads that already ended count in the process total (and so in `other`).
 */
export const NODE_CPU_AT_EXIT = `
const fs = require('fs');
process.on('exit', () => {
  const tick = 10;
  const cpu = { main: 0, zmq: 0, other: 0 };
  for (const tid of fs.readdirSync('/proc/self/task')) {
    let stat;
    try { stat = fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8'); } catch { continue; }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const group = tid === String(process.pid) ? 'main' : comm.startsWith('ZMQbg/') ? 'zmq' : null;
    if (group) cpu[group] += (Number(f[11]) + Number(f[12])) * tick;
  }
  const usage = process.resourceUsage();
  cpu.other = Math.max(0, (usage.userCPUTime + usage.systemCPUTime) / 1000 - cpu.main - cpu.zmq);
  fs.writeFileSync(process.env.NBC_BENCH_CPU, JSON.stringify(cpu));
});
`;
