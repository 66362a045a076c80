// The admin page's "Security policy" (docs/policy.md): the policy in
// force (its version, who applied it and when, every rule written out),
// and its YAML to edit and apply (PUT /v1/policy, based on the version
// read, so that nobody overwrites a change they have not seen). A document
// the server refuses keeps the policy in force; its reason names the line,
// which the editor marks. The API keeps every version but lists only the
// one in force, so that is what is shown.

import { api, ApiError, type PolicyState } from './account-api.js';
import { button, confirmInline, errorText, section, when } from './account-ui.js';
import { h } from './dom.js';

/** The server's bound on a policy document (internal/policy: 64 KiB). */
const POLICY_MAX_BYTES = 64 << 10;

/** The line a refusal names ("policy: line 3: key: reason"), or 0. */
export function errorLine(message: string): number {
  const m = /\bline (\d+)\b/.exec(message);
  return m ? Number(m[1]) : 0;
}

/** The refusal as the page says it: "Line 3: key: reason". */
export function policyErrorText(message: string): string {
  const m = message.replace(/^policy:\s*/, '').trim();
  return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?)]$/.test(m) && !/\)$/.test(m) ? '' : '.');
}

export function policySection(selfID: string): HTMLElement {
  const body = h('div', { class: 'section-body' }, h('p', { class: 'loading', role: 'status' }, 'Loading the policy…'));
  const el = section('admin-policy', 'Security policy', body);
  const load = async (): Promise<void> => {
    try {
      draw(body, await api<PolicyState>('GET', '/v1/policy'), selfID, load);
    } catch (e) {
      body.replaceChildren(h('p', { class: 'form-error', role: 'alert', id: 'policy-load-error' }, errorText(e)));
    }
  };
  void load();
  return el;
}

function draw(body: HTMLElement, p: PolicyState, selfID: string, reload: () => Promise<void>): void {
  const who = p.author === selfID ? 'you' : p.author || 'someone';
  const facts = p.source === 'stored'
    ? `Version ${p.version}, applied ${when(p.applied_at)} by ${who}.`
    : 'No version is stored yet: the defaults are in force, with what the server’s configuration sets.';

  const text = h('textarea', {
    id: 'policy-yaml', class: 'code-input', rows: 16, spellcheck: 'false', autocomplete: 'off', wrap: 'off',
    'aria-describedby': 'policy-hint policy-error', 'aria-labelledby': 'policy-yaml-label',
  });
  text.value = p.yaml || p.effective;
  const gutter = h('div', { class: 'code-lines', 'aria-hidden': 'true' });
  const error = h('p', { id: 'policy-error', class: 'form-error', role: 'alert', hidden: true });
  const slot = h('div', { class: 'section-slot' });
  const apply = button('Apply', { id: 'policy-apply' }, 'primary');
  const revert = button('Undo my changes', { id: 'policy-revert' });

  let bad = 0;
  const paintLines = () => {
    const n = text.value.split('\n').length;
    if (gutter.childElementCount !== n) gutter.replaceChildren(...Array.from({ length: n }, (_, i) => h('span', {}, String(i + 1))));
    gutter.querySelector('.is-error')?.classList.remove('is-error');
    if (bad > 0) gutter.children[bad - 1]?.classList.add('is-error');
    gutter.scrollTop = text.scrollTop;
  };
  const showError = (msg: string, line = 0) => {
    error.textContent = msg;
    error.hidden = msg === '';
    bad = line;
    if (line > 0) error.dataset.line = String(line);
    else delete error.dataset.line;
    text.setAttribute('aria-invalid', String(msg !== ''));
    paintLines();
  };
  /** Selects a line of the document, so that the keyboard and the eye land on it. */
  const selectLine = (line: number) => {
    const lines = text.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((a, l) => a + l.length + 1, 0);
    text.focus();
    text.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };

  text.addEventListener('input', () => {
    if (bad > 0) showError('');
    paintLines();
  });
  text.addEventListener('scroll', () => {
    gutter.scrollTop = text.scrollTop;
  });
  revert.addEventListener('click', () => {
    text.value = p.yaml || p.effective;
    showError('');
    slot.replaceChildren();
    text.focus();
  });
  apply.addEventListener('click', () => {
    const doc = text.value;
    if (new TextEncoder().encode(doc).length > POLICY_MAX_BYTES) {
      showError(`The document is larger than ${POLICY_MAX_BYTES / 1024} KiB.`);
      return;
    }
    confirmInline(slot, `Apply this policy as version ${p.version + 1}? It is in force at once, for every meeting and account.`, 'Apply the policy', async () => {
      try {
        const next = await api<PolicyState>('PUT', '/v1/policy', { yaml: doc, version: p.version });
        slot.replaceChildren();
        draw(body, next, selfID, reload);
        const done = body.querySelector<HTMLElement>('#policy-status');
        if (done) done.textContent = `Version ${next.version} is in force.`;
      } catch (e) {
        slot.replaceChildren();
        if (e instanceof ApiError && e.code === 'policy_invalid') {
          const msg = (e.serverMessage || e.message).trim();
          const line = errorLine(msg);
          showError(`${policyErrorText(msg)} Nothing was changed: the policy in force stays.`, line);
          if (line > 0) selectLine(line);
          return;
        }
        if (e instanceof ApiError && e.code === 'policy_conflict') {
          const load = button('Load the newest version', { id: 'policy-reload' });
          load.addEventListener('click', () => void reload());
          showError(`${e.message} Loading it replaces your text: copy what you need first.`);
          slot.replaceChildren(h('div', { class: 'actions actions-left' }, load));
          return;
        }
        showError(errorText(e));
      }
    }, apply);
  });

  body.replaceChildren(
    h('p', { id: 'policy-facts', 'data-version': String(p.version), 'data-source': p.source }, facts),
    h('p', { id: 'policy-status', role: 'status', class: 'hint' }),
    h('div', { class: 'field' },
      h('label', { id: 'policy-yaml-label', for: 'policy-yaml' }, 'Policy (YAML)'),
      h('div', { class: 'code-editor' }, gutter, text),
      h('p', { id: 'policy-hint', class: 'hint' }, 'One mapping of the rules in docs/policy.md; a rule left out takes its default. An invalid policy is refused with the line and the reason, and the one in force stays.'),
      error),
    h('div', { class: 'actions actions-left' }, apply, revert),
    slot,
    h('details', { class: 'policy-effective' },
      h('summary', {}, 'The policy in force, every rule written out'),
      h('pre', { id: 'policy-effective' }, p.effective)),
  );
  paintLines();
}
