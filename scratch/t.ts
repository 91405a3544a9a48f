import { evaluateScript } from '../src/engine/expr';
try { evaluateScript('while(true){}', {}, { timeoutMs: 200 }); } catch (e: any) { console.log(e.name, e.kind, e.message); }
