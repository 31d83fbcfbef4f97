// The conversation's page script, run once when the gr.HTML component mounts (its js_on_load).
// Given by Gradio: `element` (the component), `server` (its Python functions, called with one object
// each, since Gradio passes a single argument through as it is), `trigger` (its events), `watch`.
// It only moves server-rendered, already escaped HTML around and reads text; it never builds markup
// from strings it did not get from the server, so the escaping contract of ui/render.py holds.
const root = element;
const logEl = () => root.querySelector('.pa-log');
const word = (key) => {
  const name = 't' + key.split('-').map((s) => s[0].toUpperCase() + s.slice(1)).join('');
  return (logEl() && logEl().dataset[name]) || '';
};
const lang = () => (logEl() && logEl().dataset.lang) || 'zh';
const input = () => document.querySelector('#chat-input textarea, #chat-input input');
const sendButton = () => document.querySelector('#send-button');

let panel = document.getElementById('pa-panel');
if (!panel) {
  panel = document.createElement('div');
  panel.id = 'pa-panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-labelledby', 'pa-panel-title');
  panel.hidden = true;
  const head = document.createElement('div');
  head.className = 'pa-panel-head';
  const title = document.createElement('h2');
  title.id = 'pa-panel-title';
  title.tabIndex = -1;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'pa-panel-close';
  close.textContent = '×';
  head.append(title, close);
  const body = document.createElement('div');
  body.className = 'pa-panel-body';
  panel.append(head, body);
  // Inside .contain: Gradio scopes the page's media-query CSS to it.
  (document.querySelector('.gradio-container .contain') || document.body).appendChild(panel);
}
let opener = null;
// On a desktop the page makes room for the panel beside the chat.
const shift = (on) => {
  const page = document.querySelector('.gradio-container');
  if (page) page.classList.toggle('pa-panel-open', on && window.matchMedia('(min-width: 768px)').matches);
};

function fillPanel(turn, n) {
  const source = root.querySelector(`#pa-src-${turn}-${n}`);
  if (!source) return false;
  panel.querySelector('#pa-panel-title').textContent = source.dataset.title;
  panel.querySelector('.pa-panel-body').innerHTML = source.querySelector('.pa-source-body').innerHTML;
  panel.querySelector('.pa-panel-close').setAttribute('aria-label', word('close'));
  panel.setAttribute('lang', lang() === 'en' ? 'en' : 'zh');
  panel.dataset.turn = turn;
  panel.dataset.n = n;
  return true;
}

function openSource(button) {
  if (!fillPanel(button.dataset.turn, button.dataset.n)) return;
  opener = button;
  panel.hidden = false;
  shift(true);
  panel.querySelector('#pa-panel-title').focus();
}

function closePanel() {
  if (panel.hidden) return;
  panel.hidden = true;
  shift(false);
  if (opener && opener.isConnected) opener.focus();
}

function openPlanRow(row) {
  // The server selects the Plan tab and sets its filter in one update (setting the box here would race
  // with the tab's first load).
  if (window.matchMedia('(max-width: 767px)').matches) closePanel();
  trigger('select', { row });
}

async function copyAnswer(button) {
  const bot = button.closest('.pa-bot');
  const status = bot.querySelector('.pa-status');
  const text = bot.querySelector('.pa-answer').innerText.trim();
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = word('copied');
  } catch (err) {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    status.textContent = ok ? word('copied') : word('copy-failed');
  }
}

function commentForm(actions, feedbackId) {
  let form = actions.querySelector('.pa-comment');
  if (form) {
    form.dataset.feedbackId = feedbackId;
    return;
  }
  form = document.createElement('form');
  form.className = 'pa-comment';
  form.dataset.feedbackId = feedbackId;
  const id = `pa-comment-${actions.dataset.turnId}`;
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = word('comment-label');
  const area = document.createElement('textarea');
  area.id = id;
  area.rows = 2;
  area.maxLength = 2000;
  const send = document.createElement('button');
  send.type = 'submit';
  send.textContent = word('comment-send');
  form.append(label, area, send);
  actions.after(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const status = actions.querySelector('.pa-status');
    try {
      const res = await server.add_feedback_comment({ id: Number(form.dataset.feedbackId), comment: area.value, lang: lang() });
      status.textContent = res.message;
    } catch (err) {
      status.textContent = word('feedback-failed') + (err && err.message ? err.message : err);
    }
  });
}

async function vote(button) {
  const actions = button.closest('.pa-actions');
  const status = actions.querySelector('.pa-status');
  try {
    const res = await server.record_feedback({ turn: actions.dataset.turnId, rating: button.dataset.vote, lang: lang() });
    status.textContent = res.message;
    if (res.ok) {
      actions.querySelectorAll('.pa-vote').forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
      commentForm(actions, res.id);
    }
  } catch (err) {
    status.textContent = word('feedback-failed') + (err && err.message ? err.message : err);
  }
}

function sendExample(question) {
  const box = input();
  if (!box || box.disabled) return;
  box.value = question;
  box.dispatchEvent(new Event('input', { bubbles: true }));
  setTimeout(() => sendButton() && sendButton().click(), 60);
}

root.addEventListener('click', (event) => {
  const target = event.target.closest('button, a');
  if (!target || !root.contains(target)) return;
  if (target.classList.contains('pa-cite')) openSource(target);
  else if (target.classList.contains('pa-example')) sendExample(target.dataset.q);
  else if (target.classList.contains('pa-copy')) copyAnswer(target);
  else if (target.classList.contains('pa-vote')) vote(target);
  else if (target.classList.contains('pa-plan-link')) {
    event.preventDefault();
    openPlanRow(target.dataset.row);
  }
});
panel.addEventListener('click', (event) => {
  const target = event.target.closest('button, a');
  if (!target) return;
  if (target.classList.contains('pa-panel-close')) closePanel();
  else if (target.classList.contains('pa-plan-link')) {
    event.preventDefault();
    openPlanRow(target.dataset.row);
  }
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closePanel();
});

// A question sent but never answered survives a reload (Gradio reloads the page when its connection
// fails): it is kept in sessionStorage until an answer or a server error arrives.
const PENDING = 'pa-pending-question';
let restore = sessionStorage.getItem(PENDING);

function showLost() {
  const log = logEl();
  const box = input();
  if (!restore || !log || !box) return false;
  const question = restore;
  restore = null;
  box.value = question;
  box.dispatchEvent(new Event('input', { bubbles: true }));
  window.paPending();
  window.paFailed();
  return true;
}

// A re-render (script toggle, new answer) keeps an open source open, refreshed from the new HTML.
watch('value', () => {
  if (!panel.hidden && !fillPanel(panel.dataset.turn, panel.dataset.n)) closePanel();
  const log = logEl();
  if (restore) {
    showLost();
  } else if (log && log.getAttribute('aria-busy') === 'false' && log.querySelector('.pa-turn')) {
    sessionStorage.removeItem(PENDING);
  }
});

// Called by the send events' client-side half: show the question at once and lock the input.
window.paPending = () => {
  const box = input();
  const question = box ? box.value.trim() : '';
  const log = logEl();
  if (!question || !log) return;
  const empty = log.querySelector('.pa-empty');
  if (empty) empty.remove();
  const turn = document.createElement('div');
  turn.className = 'pa-turn pa-pending';
  const user = document.createElement('section');
  user.className = 'pa-msg pa-user';
  user.setAttribute('aria-label', word('you-asked'));
  const q = document.createElement('div');
  q.className = 'pa-question';
  q.textContent = question;
  user.append(q);
  const bot = document.createElement('section');
  bot.className = 'pa-msg pa-bot';
  bot.setAttribute('aria-label', word('assistant-answered'));
  const a = document.createElement('div');
  a.className = 'pa-answer pa-streaming';
  a.textContent = word('answering');
  bot.append(a);
  turn.append(user, bot);
  log.append(turn);
  log.setAttribute('aria-busy', 'true');
  sessionStorage.setItem(PENDING, question);
  box.disabled = true;
  if (sendButton()) sendButton().disabled = true;
  turn.scrollIntoView({ block: 'nearest' });
};

// Called when a send event failed (the connection dropped): say so in the chat, keep the question.
window.paFailed = () => {
  const log = logEl();
  if (!log) return;
  const turns = log.querySelectorAll('.pa-turn');
  const last = turns[turns.length - 1];
  const bot = last && last.querySelector('.pa-bot');
  if (bot && bot.querySelector('.pa-streaming')) {
    const error = document.createElement('div');
    error.className = 'pa-error';
    error.setAttribute('role', 'alert');
    error.textContent = word('error-connection');
    bot.replaceChildren(error);
  }
  log.setAttribute('aria-busy', 'false');
  sessionStorage.removeItem(PENDING);
  const box = input();
  if (box) box.disabled = false;
  if (sendButton()) sendButton().disabled = false;
  if (box) box.focus();
};
