// The meeting view: puts its parts together (status, security, stage, side
// panels, settings, controls, remote audio), keeps them in step with the Room
// and ends the meeting. Every Room event just schedules render(), which
// rebuilds what is shown from the Room itself (view.ts).

import type { ConnectionQuality, Room } from '../../sdk/src/index.js';
import { RemoteAudio } from './audio.js';
import { ControlBar } from './controls.js';
import { h, notify } from './dom.js';
import { HostPanel, LockBadge } from './host.js';
import { icon } from './icons.js';
import { LobbyList } from './lobby-list.js';
import { MediaActions } from './media-actions.js';
import { PersonActions } from './moderation.js';
import { DisplayNames } from './names.js';
import { SidePanels } from './panels.js';
import type { MediaChoice } from './preview.js';
import { errorSender, KeyWarnings, SecurityIndicator } from './security.js';
import { SettingsPanel } from './settings.js';
import { installShortcuts } from './shortcuts.js';
import { ConnectionStatus } from './status.js';
import { moderationErrorText } from './text.js';
import { TileGrid } from './tiles.js';
import { localTrack, meetingView } from './view.js';

export interface MeetingOptions {
  room: Room;
  /** What to publish (see MediaActions.publishInitial). */
  choice: MediaChoice;
  /** Called once, when the meeting ends for any reason ("client_left" when we left), with our mic/camera state then. */
  onEnd: (reason: string, media: { micOn: boolean; cameraOn: boolean }) => void;
  /** The join token the Room was connected with: the invite calls carry it (invite-link.ts). */
  token: () => string;
}

/** How long after a moderation action a refusal is taken to be its answer. */
const ACTION_ANSWER_MS = 15_000;

export function renderMeeting(root: HTMLElement, headerSlot: HTMLElement, opts: MeetingOptions): () => void {
  const { room } = opts;
  const quality = new Map<string, ConnectionQuality>();
  const names = new DisplayNames();
  // Identities that dropped out while we reconnected (and their old ids), expected back.
  const returning = new Set<string>();
  const returningIds = new Map<string, string>();
  let forgetReturning = 0;
  const offs: Array<() => void> = [];
  let disposed = false;
  let ended = false;
  let leaving = false;
  // What the user wants from their microphone and camera, for a rejoin: the
  // preview's choice, then whatever the published tracks show. Kept here
  // because the SDK has stopped and dropped the tracks by the time the
  // meeting ends.
  const wanted = { micOn: opts.choice.micOn, cameraOn: opts.choice.cameraOn };

  const security = new SecurityIndicator(() => panels.toggle('security'));
  const lockBadge = new LockBadge();
  const status = new ConnectionStatus(headerSlot, room.name, lockBadge.el, security.el);
  const setConn = () => status.set(room.state, quality.get(room.local.id));
  const audio = new RemoteAudio();
  const grid = new TileGrid();
  const media = new MediaActions(room, schedule);
  const controls = new ControlBar({
    mic: () => void media.toggleMic(controls.mic),
    camera: () => void media.toggleCamera(controls.camera),
    screen: () => void media.toggleScreen(controls.screen),
    chat: () => panels.toggle('chat'),
    people: () => panels.toggle('people'),
    leave: () => void leave(),
  });
  const settings = new SettingsPanel(room, controls.settings, schedule);
  // The last moderation action sent, to name it when the server refuses it.
  let lastAction = { what: '', at: 0 };
  const act = (what: string, send: () => void) => {
    lastAction = { what, at: Date.now() };
    send();
  };
  const host = new HostPanel({ room, token: opts.token, act });
  const lobby = new LobbyList(room, act);
  const inviteLabel = h('span', {}, 'Copy invite link');
  const inviteButton = (label: HTMLElement) => h('button', { type: 'button', class: 'btn btn-ghost invite-btn' }, icon('link'), label);
  const panelInvite = inviteButton(h('span', {}, 'Copy invite link'));
  panelInvite.id = 'invite-button';
  const panels = new SidePanels({
    chat: {
      localId: () => room.local.id,
      nameOf,
      send: (text) => room.sendChat(text),
      canSend: () => room.local.permissions.publish_data && room.state === 'connected',
    },
    peopleExtra: h('div', { class: 'panel-extra' }, lobby.el, panelInvite, host.el),
    actionsFor: () => new PersonActions(room, act),
    security: { markVerified, safetyCode: () => room.safetyCode() },
    controls,
    securityButton: security,
    page: () => root.querySelector('.page-meeting'),
  });
  const keyWarnings = new KeyWarnings({ label: 'Details', run: () => panels.set('security') });
  const waiting = h('div', { class: 'waiting', hidden: true }, h('p', {}, 'You are the only one here.'), inviteButton(inviteLabel));

  root.replaceChildren(
    h(
      'div',
      { class: 'page page-meeting', 'aria-labelledby': 'meeting-title' },
      h('h1', { id: 'meeting-title', class: 'visually-hidden' }, `Meeting ${room.name}`),
      status.banner,
      audio.banner,
      h(
        'div',
        { class: 'meeting-body' },
        h('section', { class: 'stage', 'aria-label': 'Participants’ video' }, h('div', { class: 'stage-tiles' }, grid.el), waiting),
        settings.el,
        panels.chat.el,
        panels.people.el,
        panels.security.el,
      ),
      controls.el,
      audio.box,
    ),
  );
  for (const b of root.querySelectorAll<HTMLButtonElement>('.invite-btn')) b.addEventListener('click', () => void copyInvite());

  function markVerified(id: string, verified: boolean): void {
    room.markVerified(id, verified);
    const name = nameOf(id);
    if (room.e2eeStatus(id)?.verified !== verified) notify(`This browser could not store the mark for ${name}.`, 'warn');
    else notify(verified ? `${name} is marked as verified.` : `${name} is no longer marked as verified.`, 'info', 3000);
  }

  /** What an end-to-end encryption error from the SDK says to the user. */
  function e2eeError(code: 'data_undecryptable' | 'e2ee_key_package', message: string): void {
    const id = errorSender(message);
    const known = id !== null && room.participants.has(id);
    const who = known ? nameOf(id) : '';
    if (code === 'data_undecryptable') {
      const text = who ? `A message from ${who} could not be decrypted.` : 'A message could not be decrypted.';
      notify(text, 'warn');
      panels.chat.note(text);
      return;
    }
    // Keys from someone whose announcement does not verify are refused by
    // design; their flag has said so already.
    if (known && room.e2eeStatus(id)?.valid === false) return;
    notify(`Encryption keys from ${who || 'a participant'} could not be used: their audio, video and messages may not be decrypted.`, 'warn');
  }

  function nameOf(id: string): string {
    names.update([room.local, ...room.participants.values()]);
    return names.of(id);
  }

  let scheduled = false;
  function schedule(): void {
    if (scheduled || disposed) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (!disposed) render();
    });
  }

  function render(): void {
    const v = meetingView(room, names, quality);
    const mic = localTrack(room, 'microphone');
    const cam = localTrack(room, 'camera');
    if (mic?.track.readyState === 'live') wanted.micOn = !mic.muted;
    if (cam?.track.readyState === 'live') wanted.cameraOn = !cam.muted;
    grid.render(v.tiles);
    panels.people.render(v.people);
    audio.sync(v.audio);
    waiting.hidden = !v.alone;
    const canPublish = room.local.permissions.publish;
    controls.paint({
      ...v.own, canPublish, live: room.state === 'connected' || room.state === 'reconnecting', shortcuts: settings.shortcuts.checked,
      micAsked: media.asked('microphone'), cameraAsked: media.asked('camera'),
    });
    panels.chat.refreshPermission();
    panels.security.render(v.security);
    security.paint(v.security.e2ee, v.flagged);
    host.update();
    lobby.render();
    controls.setWaiting(lobby.count);
    lockBadge.paint(room.locked);
    // Whoever may share invites makes guest links; the others copy the room's address.
    const share = !!room.local.permissions.share_invite;
    panelInvite.hidden = share;
    inviteLabel.textContent = share ? 'Invite people' : 'Copy invite link';
    keyWarnings.check(v.security.keys);
    setConn();
  }

  async function copyInvite(): Promise<void> {
    // Guest links have options: they are made in "Invite people".
    if (room.local.permissions.share_invite) {
      panels.set('people', false);
      host.showInvites(true);
      return;
    }
    const link = `${location.origin}/?room=${encodeURIComponent(room.name)}`;
    try {
      await navigator.clipboard.writeText(link);
      notify('Invite link copied. It contains the room name only, no token.');
    } catch {
      notify(`Invite link: ${link}`, 'info', 15000);
    }
  }

  /** Who did something, as a notice names them ('' is the room's owner, through the server API). */
  function byName(by: string): string {
    if (by === room.local.id) return 'You';
    return by ? nameOf(by) : 'The meeting’s owner';
  }

  offs.push(
    installShortcuts({
      escape: () => {
        if (settings.open) settings.setOpen(false);
        else if (panels.anyOpen) panels.set(null);
        else return false;
        return true;
      },
      keys: {
        m: () => void media.toggleMic(controls.mic),
        v: () => void media.toggleCamera(controls.camera),
        s: () => void media.toggleScreen(controls.screen),
        c: () => panels.toggle('chat'),
        p: () => panels.toggle('people'),
      },
      enabled: () => settings.shortcuts.checked,
    }),
  );

  // ---- Room events ---------------------------------------------------------
  const on = room.on.bind(room) as Room['on'];
  offs.push(
    // While reconnecting, the SDK reconciles the participant list: after a
    // server restart everyone drops out (some with reason server_shutdown
    // before our own leave arrives) and comes back under a new id, with the
    // same identity. That is no news: no notices for it.
    on('participantJoined', (p) => {
      if (returning.delete(p.identity)) {
        names.carry(p, returningIds.get(p.identity));
      } else if (room.state === 'connected') {
        notify(`${nameOf(p.id)} joined`, 'info', 3000);
      }
      schedule();
    }),
    on('participantLeft', (p, reason) => {
      quality.delete(p.id);
      if (reason === 'removed') {
        notify(`${names.of(p.id)} was removed from the meeting.`, 'info', 5000);
      } else if (room.state !== 'connected' || reason === 'server_shutdown') {
        returning.add(p.identity);
        returningIds.set(p.identity, p.id);
      } else {
        notify(`${names.of(p.id)} ${reason === 'connection_lost' ? 'lost their connection' : 'left'}`, 'info', 3000);
      }
      schedule();
    }),
    on('participantUpdated', schedule),
    on('trackSubscribed', schedule),
    on('trackUnsubscribed', schedule),
    on('trackMuted', schedule),
    on('trackUnmuted', schedule),
    on('localTrackPublished', schedule),
    on('localTrackUnpublished', schedule),
    on('hostMuteChanged', (t, locked) => {
      const what = t.source === 'camera' ? 'camera' : t.source === 'microphone' ? 'microphone' : 'screen share';
      if (t.source === 'camera' || t.source === 'microphone') media.forgetAsk(t.source);
      if (locked) {
        const ask = t.source === 'microphone' ? ' Use “Ask to unmute” to ask to speak.' : t.source === 'camera' ? ' Use “Ask to start camera” to ask to turn it on.' : '';
        notify(`The host muted your ${what}.${ask}`, 'warn', 10000);
      } else {
        notify(`The host lets you turn your ${what} on again.`, 'info', 8000);
      }
      schedule();
    }),
    on('activeSpeakers', (ids) => grid.setSpeaking(ids)),
    on('connectionQuality', (id, q) => {
      quality.set(id, q);
      schedule();
    }),
    on('connectionStateChanged', (s) => {
      setConn();
      status.showBanner(s === 'reconnecting');
      schedule();
    }),
    on('reconnecting', (why) => {
      status.reconnecting(why);
      status.set('reconnecting', undefined);
    }),
    on('reconnectAttempt', (_n, delayMs) => status.attempt(delayMs)),
    on('reconnected', () => {
      // Whoever has not come back within a while left for real.
      window.clearTimeout(forgetReturning);
      forgetReturning = window.setTimeout(() => {
        returning.clear();
        returningIds.clear();
      }, 30_000);
      status.showBanner(false);
      notify('Reconnected.', 'info', 3000);
      schedule();
    }),
    on('disconnected', (reason) => end(reason)),
    on('chat', (m) => panels.chat.receive(m)),
    on('roleChanged', (p, by) => {
      const role = p.role ?? 'participant';
      const article = role === 'participant' ? 'a participant' : `a ${role}`;
      if (p.id === room.local.id) {
        const what = role === 'viewer' ? ' You can watch and listen; your microphone and camera are off.' : '';
        notify(`${byName(by)} made you ${article}.${what}`, 'info', 8000);
      } else {
        notify(`${byName(by)} made ${nameOf(p.id)} ${article}.`, 'info', 4000);
      }
      schedule();
    }),
    on('lockChanged', (locked, by) => {
      notify(locked ? `${byName(by)} locked the meeting: nobody new can join.` : `${byName(by)} unlocked the meeting: people with a link or token can join again.`, 'info', 6000);
      schedule();
    }),
    on('lobbyChanged', (on, by) => {
      notify(on ? `${byName(by)} turned the lobby on: guests who join now wait to be admitted.`
        : `${byName(by)} turned the lobby off: guests who join now come straight in; those waiting still need admitting.`, 'info', 6000);
      schedule();
    }),
    on('lobbyGuestWaiting', (g) => {
      notify(`${g.name || 'A guest'} is waiting to join.`, 'info', 10000, {
        label: 'Show',
        run: () => {
          panels.set('people', false);
          render();
          lobby.reveal();
        },
      });
      schedule();
    }),
    on('lobbyGuestLeft', (g, reason) => {
      if (reason === 'left' || reason === 'timeout') notify(`${g.name || 'A guest'} stopped waiting.`, 'info', 4000);
      schedule();
    }),
    on('meetingEnding', (_endsAt, secondsLeft) => {
      const minutes = Math.max(1, Math.round(secondsLeft / 60));
      notify(`The meeting reaches its maximum duration and ends in ${minutes} minute${minutes === 1 ? '' : 's'}.`, 'warn', 15000);
    }),
    on('e2eeChanged', schedule),
    on('bitrateLimited', (maxBitrate) => {
      notify(`This meeting allows at most ${Math.round(maxBitrate / 1000)} kbit/s from each participant: your video quality was lowered to stay under it.`, 'info', 10000);
    }),
    on('error', (code, message) => {
      if (code === 'data_undecryptable' || code === 'e2ee_key_package') e2eeError(code, message);
      else if (code === 'track_not_encrypted' || code === 'data_not_encrypted') notify('The server refused to pass on something that was not end-to-end encrypted.', 'warn');
      else if (code === 'rate_limited') notify('You are sending too fast; a message was dropped.', 'warn');
      else if (code === 'muted_by_host') notify('The host muted you: ask them to let you unmute.', 'warn');
      else if (moderationErrorText(code)) {
        const recent = lastAction.what && Date.now() - lastAction.at < ACTION_ANSWER_MS;
        notify(recent ? `Could not ${lastAction.what}. ${moderationErrorText(code)}` : moderationErrorText(code), 'warn', 10000);
        lastAction = { what: '', at: 0 };
      } else notify(`The server refused an action (${code}${message ? `: ${message}` : ''}).`, 'warn');
    }),
  );

  // ---- lifecycle -------------------------------------------------------------
  async function leave(): Promise<void> {
    if (leaving || ended) return;
    leaving = true;
    controls.leave.disabled = true;
    try {
      await room.leave();
    } catch {
      // already gone: nothing more to tell the server
    }
    end('client_left');
  }

  function end(reason: string): void {
    if (ended) return;
    ended = true;
    status.set('disconnected', undefined);
    status.showBanner(false);
    for (const t of room.localTracks()) t.track.stop();
    opts.choice.video?.stop();
    opts.choice.audio?.stop();
    opts.onEnd(leaving ? 'client_left' : reason, { ...wanted });
  }

  const onPageHide = () => {
    if (!ended) void room.leave().catch(() => {});
  };
  window.addEventListener('pagehide', onPageHide);

  // "Waiting N minutes" in the lobby list moves on by itself.
  const waitingClock = window.setInterval(() => {
    if (lobby.count > 0) schedule();
  }, 30_000);

  render();
  setConn();
  void media.publishInitial(opts.choice);
  controls.mic.focus();

  return () => {
    disposed = true;
    window.clearTimeout(forgetReturning);
    window.clearInterval(waitingClock);
    for (const off of offs) off();
    settings.dispose();
    status.dispose();
    window.removeEventListener('pagehide', onPageHide);
    grid.dispose();
    audio.dispose();
    if (!ended) {
      leaving = true;
      void room.leave().catch(() => {});
      for (const t of room.localTracks()) t.track.stop();
    }
  };
}
