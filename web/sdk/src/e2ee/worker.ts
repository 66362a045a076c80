// The E2EE media worker: load it as a module Worker and give it to every
// RTCRtpScriptTransform of a session (one worker per session, so that one
// FrameCrypto counts for all of the sender's tracks). See transform-worker.ts
// for the messages it takes.

import { serveFrameTransforms, type FrameWorkerScope } from './transform-worker.js';

serveFrameTransforms(self as unknown as FrameWorkerScope);
