// The rehearsal page. It keeps the conversation's session itself (id, attributes,
// whether it is open) and sends it back with every turn, so the server stores nothing.
// No external resources; works offline. The server decides what is worth showing
// (cardDiffers, suggestions); this script only lays it out. The transcript scrolls,
// never the page, so the text box stays in view; focus goes back to it after each answer.
"use strict";

(function () {
  const transcript = document.getElementById("transcript");
  const form = document.getElementById("say-form");
  const input = document.getElementById("say-text");
  const sayButton = document.getElementById("say-button");
  const startOver = document.getElementById("start-over");
  const localeSelect = document.getElementById("locale");
  const autoplay = document.getElementById("autoplay");
  const showIntent = document.getElementById("show-intent");
  const status = document.getElementById("status");

  let session = null; // {id, attributes, open}: the only state, kept here in the page
  let busy = false;

  async function post(path, body) {
    const reply = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await reply.json().catch(() => ({}));
    if (!reply.ok) {
      throw new Error(data.error || `the server answered ${reply.status}`);
    }
    return data;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Bring a new turn into view by scrolling the transcript alone: its start when it is
  // taller than the transcript, else the very end (the page itself never scrolls).
  function reveal(item) {
    transcript.scrollTop =
      item.offsetHeight > transcript.clientHeight ? item.offsetTop : transcript.scrollHeight;
  }

  // Suggestions and "start again" fit only the newest answer: clear them before the next turn.
  function clearNext() {
    transcript.querySelectorAll(".next").forEach((row) => row.remove());
  }

  function addYou(text) {
    clearNext();
    const item = element("li", "turn you");
    item.append(element("span", "who", "You"), element("p", "said", text));
    transcript.append(item);
    reveal(item);
  }

  // What to say next, as buttons that say it; once the session has ended, start again.
  function nextRow(turn) {
    const row = element("div", "next");
    if (turn.ended) {
      const again = element("button", "", "Start again");
      again.type = "button";
      again.id = "start-again";
      again.addEventListener("click", () => begin());
      row.append(again);
      return row;
    }
    const offered = turn.suggestions || [];
    if (!offered.length) return null;
    row.id = "suggestions";
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "Things you could say next");
    row.append(element("span", "next-label", "You could say:"));
    for (const phrase of offered) {
      const button = element("button", "suggestion", phrase);
      button.type = "button";
      button.addEventListener("click", () => say(phrase));
      row.append(button);
    }
    return row;
  }

  function describeHeard(turn) {
    if (!turn.intent) return `Heard as: ${turn.requestType}`;
    const slots = Object.entries(turn.slots || {})
      .map(([name, value]) => ` ${name}=${value.id} ("${value.spoken}")`)
      .join("");
    const confidence = turn.confidence === null ? "" : ` (confidence ${turn.confidence.toFixed(2)})`;
    return `Heard as: ${turn.intent}${slots}${confidence}`;
  }

  function addAlexa(turn) {
    const item = element("li", "turn alexa");
    item.dataset.intent = turn.intent || turn.requestType;
    item.append(element("span", "who", "Alexa"), element("p", "said", turn.text));
    if (turn.card && turn.cardDiffers) { // a card that only repeats the speech is not shown
      const card = element("div", "card");
      card.setAttribute("aria-label", "Card in the Alexa app");
      card.append(element("p", "card-title", turn.card.title), element("p", "card-text", turn.card.text));
      item.append(card);
    }
    const player = element("audio");
    player.controls = true;
    player.preload = "auto";
    player.setAttribute("aria-label", "Listen to this answer");
    // One voice at a time: starting an answer stops any other still speaking.
    player.addEventListener("play", () => {
      document.querySelectorAll("audio").forEach((other) => {
        if (other !== player) other.pause();
      });
    });
    item.append(player);
    const note = element("p", "audio-note", "Rendering audio…");
    item.append(note);
    item.append(element("p", "heard", describeHeard(turn)));
    if (turn.ended) item.append(element("p", "ended", "The session ends here, so nothing is left to answer: start again, or type to open the skill anew."));
    const next = nextRow(turn);
    if (next) item.append(next);
    transcript.append(item);
    reveal(item);
    loadAudio(turn, player, note);
  }

  async function loadAudio(turn, player, note) {
    if (!turn.ssml || !turn.audio) {
      note.textContent = "Nothing to hear.";
      return;
    }
    try {
      // The answer's own locale and token: the server renders only answers it gave.
      const clip = await post("/rehearse/audio", { ssml: turn.ssml, ...turn.audio });
      player.src = clip.url;
      player.dataset.engine = clip.engine;
      note.textContent = `Voice: ${clip.engine}, ${clip.seconds.toFixed(1)} s`;
      if (autoplay.checked) {
        player.play().catch(() => {}); // a browser may refuse autoplay; the controls remain
      }
    } catch (error) {
      note.textContent = `No audio: ${error.message}`;
    }
  }

  function setBusy(value) {
    busy = value;
    sayButton.disabled = value;
    startOver.disabled = value;
    status.textContent = value ? "Waiting for the skill…" : "";
  }

  async function begin() {
    if (busy) return;
    setBusy(true);
    transcript.replaceChildren();
    try {
      const turn = await post("/rehearse/start", { locale: localeSelect.value });
      session = turn.session;
      addAlexa(turn);
    } catch (error) {
      status.textContent = `Could not start: ${error.message}`;
      busy = false;
      sayButton.disabled = false;
      startOver.disabled = false;
      return;
    }
    setBusy(false);
    input.focus({ preventScroll: true });
  }

  // Say one thing, typed or a suggestion clicked: shown in the transcript as the person's words.
  async function say(text) {
    if (busy) return;
    setBusy(true);
    addYou(text);
    try {
      const turn = await post("/rehearse/turn", { text, session, locale: localeSelect.value });
      session = turn.session;
      addAlexa(turn);
      setBusy(false);
    } catch (error) {
      setBusy(false);
      status.textContent = `Something went wrong: ${error.message}`;
    }
    input.focus({ preventScroll: true });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text);
  });
  startOver.addEventListener("click", () => begin());
  localeSelect.addEventListener("change", () => begin());
  showIntent.addEventListener("change", () => {
    transcript.classList.toggle("hide-intents", !showIntent.checked);
  });

  async function init() {
    try {
      const reply = await fetch("/rehearse/config");
      const config = await reply.json();
      for (const locale of config.locales) {
        const option = element("option", "", locale);
        option.value = locale;
        option.selected = locale === config.default;
        localeSelect.append(option);
      }
    } catch (error) {
      const option = element("option", "", "en-US");
      option.value = "en-US";
      localeSelect.append(option);
    }
    await begin();
  }

  init();
})();
