// The join page: which room, under which name, with which token.

import { h } from './dom.js';
import { NAME_MAX, ROOM_PATTERN } from './text.js';
import { fetchDevToken, peekClaims, type JoinCredentials, type TokenSource } from './token.js';

export interface JoinResult {
  room: string;
  name: string;
  creds: JoinCredentials;
}

export interface JoinOptions {
  source: TokenSource;
  room: string;
  name: string;
  error?: string;
  onJoined: (r: JoinResult) => void;
}

/** Renders the join form into root; returns a clean-up function. */
export function renderJoin(root: HTMLElement, opts: JoinOptions): () => void {
  const dev = opts.source.kind === 'dev';

  const roomInput = h('input', {
    id: 'room-input', name: 'room', type: 'text', autocomplete: 'off', spellcheck: 'false',
    required: dev, maxlength: 128, pattern: '[A-Za-z0-9_.\\-]{1,128}',
    'aria-describedby': 'room-hint room-error',
  });
  roomInput.value = opts.room;
  const nameInput = h('input', {
    id: 'name-input', name: 'name', type: 'text', autocomplete: 'name', required: dev, maxlength: NAME_MAX,
    'aria-describedby': 'name-error',
  });
  nameInput.value = opts.name;
  const tokenInput = dev
    ? null
    : h('textarea', {
        id: 'token-input', name: 'token', rows: 3, required: true, autocomplete: 'off', spellcheck: 'false',
        'aria-describedby': 'token-hint token-error',
      });

  const roomError = h('p', { id: 'room-error', class: 'field-error', hidden: true });
  const nameError = h('p', { id: 'name-error', class: 'field-error', hidden: true });
  const tokenError = h('p', { id: 'token-error', class: 'field-error', hidden: true });
  const formError = h('p', { id: 'join-error', class: 'form-error', role: 'alert', hidden: !opts.error }, opts.error ?? '');
  const joinButton = h('button', { id: 'join-button', type: 'submit', class: 'btn btn-primary' }, 'Continue');

  const form = h(
    'form',
    { class: 'card join-card', novalidate: true, 'aria-labelledby': 'join-title' },
    h('h1', { id: 'join-title' }, 'Join a meeting'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'room-input' }, 'Room name', dev ? null : h('span', { class: 'optional' }, ' (optional with a token)')),
      roomInput,
      h('p', { id: 'room-hint', class: 'hint' }, 'Letters, digits, “_”, “.” and “-”, up to 128 characters.'),
      roomError,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'name-input' }, 'Your name', dev ? null : h('span', { class: 'optional' }, ' (optional with a token)')),
      nameInput,
      nameError,
    ),
    tokenInput &&
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'token-input' }, 'Join token'),
        tokenInput,
        h('p', { id: 'token-hint', class: 'hint' }, 'Paste the token your organisation gave you. It is kept in this tab only.'),
        tokenError,
      ),
    formError,
    h('div', { class: 'actions' }, joinButton),
  );
  root.replaceChildren(h('div', { class: 'page page-join' }, form));

  const showError = (el: HTMLElement, input: HTMLElement, msg: string) => {
    el.textContent = msg;
    el.hidden = msg === '';
    input.setAttribute('aria-invalid', String(msg !== ''));
  };

  // A pasted token names its room and person; use them when the fields are empty.
  tokenInput?.addEventListener('input', () => {
    const claims = peekClaims(tokenInput.value);
    if (claims.room && !roomInput.value) roomInput.value = claims.room;
    if (claims.name && !nameInput.value) nameInput.value = claims.name.slice(0, NAME_MAX);
  });

  const validate = (): boolean => {
    const room = roomInput.value.trim();
    const name = nameInput.value.trim();
    let ok = true;
    let first: HTMLElement | null = null;
    const roomMsg =
      room === '' ? (dev ? 'Enter a room name.' : '') : ROOM_PATTERN.test(room) ? '' : 'Use only letters, digits, “_”, “.” and “-” (at most 128; not “.” or “..”).';
    showError(roomError, roomInput, roomMsg);
    if (roomMsg) { ok = false; first ??= roomInput; }
    const nameMsg = name === '' && dev ? 'Enter your name.' : name.length > NAME_MAX ? `At most ${NAME_MAX} characters.` : '';
    showError(nameError, nameInput, nameMsg);
    if (nameMsg) { ok = false; first ??= nameInput; }
    if (tokenInput) {
      const t = tokenInput.value.trim();
      const tokenMsg = t === '' ? 'Paste a join token.' : t.split('.').length !== 3 ? 'This does not look like a join token.' : '';
      showError(tokenError, tokenInput, tokenMsg);
      if (tokenMsg) { ok = false; first ??= tokenInput; }
      else {
        const exp = peekClaims(t).exp;
        if (exp !== undefined && exp * 1000 < Date.now()) {
          showError(tokenError, tokenInput, 'This token has expired; ask for a new one.');
          ok = false;
          first ??= tokenInput;
        }
      }
    }
    first?.focus();
    return ok;
  };

  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy || !validate()) return;
    formError.hidden = true;
    const room = roomInput.value.trim();
    const name = nameInput.value.trim();
    if (tokenInput) {
      const token = tokenInput.value.trim();
      const claims = peekClaims(token);
      opts.onJoined({ room: room || claims.room || '', name: name || claims.name || '', creds: { url: '', token } });
      return;
    }
    busy = true;
    joinButton.disabled = true;
    joinButton.setAttribute('aria-busy', 'true');
    joinButton.textContent = 'Getting a token…';
    try {
      const creds = await fetchDevToken(room, name);
      opts.onJoined({ room, name, creds });
    } catch (err) {
      formError.textContent = err instanceof Error ? err.message : String(err);
      formError.hidden = false;
    } finally {
      busy = false;
      joinButton.disabled = false;
      joinButton.removeAttribute('aria-busy');
      joinButton.textContent = 'Continue';
    }
  });

  (roomInput.value ? (nameInput.value && tokenInput ? tokenInput : nameInput.value ? joinButton : nameInput) : roomInput).focus();
  return () => {};
}
