// Minimal SDP reading: which stream id and track id (msid) each m-section
// (by mid) carries. For the subscriber PC the server sets the stream id to
// the publishing participant id and the track id to the server track id.

export interface Msid {
  streamId: string;
  trackId: string;
}

export function msidByMid(sdp: string): Map<string, Msid> {
  const out = new Map<string, Msid>();
  const sections = sdp.split(/\r?\nm=/).slice(1);
  for (const section of sections) {
    let mid: string | undefined;
    let msid: Msid | undefined;
    let ssrcMsid: Msid | undefined;
    for (const line of section.split(/\r?\n/)) {
      if (line.startsWith('a=mid:')) {
        mid = line.slice(6).trim();
      } else if (line.startsWith('a=msid:') && !msid) {
        const [s, t] = line.slice(7).trim().split(/\s+/);
        if (s && t) msid = { streamId: s, trackId: t };
      } else if (line.startsWith('a=ssrc:') && !ssrcMsid) {
        const m = /^a=ssrc:\d+ msid:(\S+) (\S+)/.exec(line);
        if (m && m[1] && m[2]) ssrcMsid = { streamId: m[1], trackId: m[2] };
      }
    }
    const found = msid ?? ssrcMsid;
    if (mid !== undefined && found) out.set(mid, found);
  }
  return out;
}
