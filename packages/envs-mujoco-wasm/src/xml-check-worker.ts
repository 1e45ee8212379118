// Worker thread of `checkModelXml`: compiles untrusted MJCF in a module instance of its own, so
// the heap MuJoCo leaks on a refused model is freed when the worker is terminated.
import { parentPort } from 'node:worker_threads';
import { isolatedXmlLoader, MujocoXmlError, type XmlCheckReply } from './binding.js';

const load = await isolatedXmlLoader();
parentPort!.on('message', ({ id, xml, file }: { id: number; xml: string; file: string }) => {
  let reply: XmlCheckReply;
  try {
    load(xml, file).delete();
    reply = { id, ok: true };
  } catch (e) {
    reply = e instanceof MujocoXmlError ? { id, ok: false, xmlError: true, mujocoMessage: e.mujocoMessage } : { id, ok: false, message: (e as Error)?.message ?? String(e) };
  }
  parentPort!.postMessage(reply);
});
