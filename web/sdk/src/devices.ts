// Local devices: enumeration, capture, and the DeviceError mapping of
// getUserMedia/getDisplayMedia failures.

export type DeviceErrorKind = 'not_found' | 'permission_denied' | 'in_use' | 'insecure_context' | 'unknown';

export class DeviceError extends Error {
  readonly kind: DeviceErrorKind;
  constructor(kind: DeviceErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeviceError';
    this.kind = kind;
  }
}

/** Maps a media capture failure to a DeviceError. */
export function toDeviceError(err: unknown): DeviceError {
  if (err instanceof DeviceError) return err;
  const name = (err as { name?: unknown } | null)?.name;
  const message = (err as { message?: unknown } | null)?.message;
  const text = typeof message === 'string' && message !== '' ? message : String(err);
  switch (name) {
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return new DeviceError('not_found', `no matching device: ${text}`, { cause: err });
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return new DeviceError('permission_denied', `permission denied: ${text}`, { cause: err });
    case 'NotReadableError':
    case 'TrackStartError':
      return new DeviceError('in_use', `device in use or unreadable: ${text}`, { cause: err });
    default:
      return new DeviceError('unknown', text, { cause: err });
  }
}

function mediaDevices(): MediaDevices {
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!md) {
    throw new DeviceError(
      'insecure_context',
      'media devices are unavailable: the page must be served over https (or from localhost)',
    );
  }
  return md;
}

export async function listDevices(): Promise<{
  audioinput: MediaDeviceInfo[];
  videoinput: MediaDeviceInfo[];
  audiooutput: MediaDeviceInfo[];
}> {
  const md = mediaDevices();
  let all: MediaDeviceInfo[];
  try {
    all = await md.enumerateDevices();
  } catch (err) {
    throw toDeviceError(err);
  }
  return {
    audioinput: all.filter((d) => d.kind === 'audioinput'),
    videoinput: all.filter((d) => d.kind === 'videoinput'),
    audiooutput: all.filter((d) => d.kind === 'audiooutput'),
  };
}

export interface VideoCaptureOptions {
  deviceId?: string;
  width?: number;
  height?: number;
}

export function videoConstraints(o: VideoCaptureOptions = {}): MediaTrackConstraints {
  const c: MediaTrackConstraints = {
    width: { ideal: o.width ?? 1280 },
    height: { ideal: o.height ?? 720 },
    frameRate: { ideal: 30 },
  };
  if (o.deviceId) c.deviceId = { exact: o.deviceId };
  return c;
}

export function audioConstraints(o: { deviceId?: string } = {}): MediaTrackConstraints {
  const c: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  if (o.deviceId) c.deviceId = { exact: o.deviceId };
  return c;
}

/** getUserMedia with errors mapped to DeviceError. */
export async function getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
  const md = mediaDevices();
  try {
    return await md.getUserMedia(constraints);
  } catch (err) {
    throw toDeviceError(err);
  }
}

/** getDisplayMedia with errors mapped to DeviceError. */
export async function getDisplayMedia(constraints: DisplayMediaStreamOptions): Promise<MediaStream> {
  const md = mediaDevices();
  if (typeof md.getDisplayMedia !== 'function') {
    throw new DeviceError('not_found', 'this browser cannot share the screen');
  }
  try {
    return await md.getDisplayMedia(constraints);
  } catch (err) {
    throw toDeviceError(err);
  }
}

/** For the pre-join preview: capture camera and/or microphone. */
export function getLocalMedia(opts: {
  audio?: boolean | { deviceId?: string };
  video?: boolean | { deviceId?: string };
}): Promise<MediaStream> {
  const c: MediaStreamConstraints = {};
  if (opts.audio) c.audio = audioConstraints(opts.audio === true ? {} : opts.audio);
  if (opts.video) c.video = videoConstraints(opts.video === true ? {} : opts.video);
  if (!c.audio && !c.video) return Promise.reject(new DeviceError('unknown', 'getLocalMedia: ask for audio, video or both'));
  return getUserMedia(c);
}
