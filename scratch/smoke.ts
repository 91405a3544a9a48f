import { startTestEngine } from '../test/helpers/engine';
async function main() {
  const e = await startTestEngine({ memory: true });
  const base = e.url;
  const j = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(base + p, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const t = await r.text();
    return { status: r.status, body: t };
  };
  console.log(await j('GET', '/health'));
  console.log(await j('POST', '/api/metadata/workflow', { name: 'w1', version: 1, tasks: [{ name: 't1', taskReferenceName: 't1', inputParameters: { a: '${workflow.input.x}' } }, { name: 'inl', taskReferenceName: 'inl', type: 'INLINE', inputParameters: { evaluatorType: 'javascript', expression: '$.v * 2', v: '${t1.output.n}' } }], outputParameters: { r: '${inl.output.result}' } }));
  const id = (await j('POST', '/api/workflow/w1', { x: 5 })).body;
  console.log('id', id);
  const p = await j('GET', '/api/tasks/poll/batch/t1?count=1&timeout=100&workerid=w');
  console.log(p.status, p.body.slice(0, 200));
  const task = JSON.parse(p.body)[0];
  console.log(await j('POST', '/api/tasks/update-v2', { workflowInstanceId: id, taskId: task.taskId, status: 'COMPLETED', outputData: { n: 21 } }));
  const wf = JSON.parse((await j('GET', '/api/workflow/' + id)).body);
  console.log(wf.status, wf.output, wf.tasks.map((t: any) => [t.referenceTaskName, t.status, t.seq]));
  await e.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
