"use strict";
// The inspector page. It asks GET /info for the model's attributes and weights, sends one
// POST /score with an item per response, and from then on recomputes every aggregate, verdict
// and the ranking here, from the returned scores, whenever a weight or a bound changes: no
// further request. The rules are the server's: aggregate = sum of weight * score over the
// attributes; a bound fails when the value is outside [min, max], or the attribute's
// uncertainty is over its max; ties in the ranking keep the responses' order.

const SCALE_MIN = 0;
const SCALE_MAX = 4; // HelpSteer2's 0-4 scale: the range of the bars
const AGGREGATE = "aggregate";
const UNCERTAIN = ".uncertainty";

const HINTS = {
  prompt: "The user's turn; each response below is scored as the assistant's answer to it.",
  messages:
    'A JSON list of messages, e.g. [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]: ' +
    "an optional system turn, then user and assistant turns alternating, ending with the user turn. " +
    "Each response below is appended as the final assistant turn.",
};
const EXAMPLE = {
  prompt: "Explain what a binary search is, in two sentences.",
  responses: [
    "A binary search finds an item in a sorted list by comparing it with the middle element and " +
      "discarding the half that cannot hold it. Each step halves the range, so 1024 items need at most 10 steps.",
    "It searches.",
    "Binary search is a kind of tree. Trees grow in forests and need water.",
  ],
};

const state = {
  attributes: [], // the model's attribute names, in its order
  defaults: {}, // the model's own weights
  uncertainty: false, // the model reports a spread per score
  busy: false,
  errorFrom: null, // "info" or "score": which call the error on show belongs to
};
// Per response box: what /score returned for the text it held when it was scored.
const results = new WeakMap();

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Two decimals, and never "-0.00".
function fixed(value) {
  const text = value.toFixed(2);
  return text === "-0.00" ? "0.00" : text;
}

function clamp(value) {
  return Math.min(SCALE_MAX, Math.max(SCALE_MIN, value));
}

function percent(value) {
  return `${((clamp(value) - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)) * 100}%`;
}

// A location as the API's messages write it: items[3].response.
function dotted(loc) {
  let out = "";
  for (const part of loc) {
    out += typeof part === "number" ? `[${part}]` : out ? `.${part}` : String(part);
  }
  return out || "body";
}

// --- talking to the API ------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

// The API's paths relative to this page (/ui/), so the page also works behind a path prefix.
function apiUrl(path) {
  return new URL(`../${path}`, document.baseURI).href;
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const key = $("#api-key").value.trim();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(apiUrl(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "unreachable", `cannot reach the server at ${apiUrl(path)}: ${error.message}`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): reported below as it came.
  }
  if (!response.ok) {
    const error = data && data.error;
    if (error && typeof error.message === "string") {
      throw new ApiError(response.status, error.code || "error", error.message, error.details || []);
    }
    throw new ApiError(response.status, "http_error", `HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
  if (data === null) throw new ApiError(response.status, "bad_answer", "the server's answer is not JSON");
  return data;
}

function showError(error, from) {
  const box = $("#error");
  const head = element("p");
  const kind = error.code || "error";
  const code = element("strong", "error-code", error.status ? `${error.status} ${kind}` : kind);
  head.append(code, " ", element("span", "error-message", error.message));
  box.replaceChildren(head);
  if (error.details && error.details.length) {
    const list = element("ul", "error-details");
    for (const detail of error.details) {
      const item = element("li");
      item.append(element("code", "loc", dotted(detail.loc || [])), " ", element("span", "detail-message", detail.message));
      list.append(item);
    }
    box.append(list);
  }
  box.hidden = false;
  state.errorFrom = from;
  // Mark the response boxes the details point at (items[i]...).
  const boxes = responseBoxes();
  for (const detail of error.details || []) {
    const [collection, index] = detail.loc || [];
    if (collection === "items" && boxes[index]) boxes[index].classList.add("invalid");
  }
}

function hideError() {
  $("#error").hidden = true;
  state.errorFrom = null;
  for (const box of responseBoxes()) box.classList.remove("invalid");
}

// --- the model ---------------------------------------------------------------------------

// Take the model's attributes and weights; the table is rebuilt (losing its edits) only when
// they are not the ones it shows.
function adoptModel(attributes, weights, uncertainty) {
  const same = attributes.length === state.attributes.length && attributes.every((name, i) => name === state.attributes[i]);
  if (same && uncertainty === state.uncertainty && $("#settings tbody").children.length) return;
  state.uncertainty = uncertainty;
  state.attributes = [...attributes];
  state.defaults = { ...weights };
  buildSettings();
}

async function loadInfo() {
  try {
    const info = await call("GET", "info");
    adoptModel(info.attributes, info.weights, Boolean(info.uncertainty));
    const facts = [
      `model ${info.model}`,
      `${info.attributes.length} attributes`,
      info.uncertainty ? "reports uncertainty" : "no uncertainty",
      `on ${info.device}`,
      `up to ${info.limits.max_items_per_request} responses per request`,
    ];
    $("#model-info").textContent = facts.join(" \u00b7 ");
    $("#model-info").dataset.state = "known";
    if (state.errorFrom === "info") hideError();
  } catch (error) {
    $("#model-info").textContent = "Model unknown: the server did not answer GET /info.";
    $("#model-info").dataset.state = "unknown";
    showError(error, "info");
  }
}

// --- weights and thresholds ----------------------------------------------------------------

function numberInput(name, field, value, label) {
  const input = element("input");
  input.type = "number";
  input.step = "any";
  input.dataset.name = name;
  input.dataset.field = field;
  input.value = value;
  input.setAttribute("aria-label", label);
  input.addEventListener("input", render);
  return input;
}

function buildSettings() {
  const head = element("tr");
  const columns = ["attribute", "weight", "min", "max", ...(state.uncertainty ? ["max \u00b1"] : [])];
  for (const title of columns) {
    const cell = element("th", "", title);
    cell.scope = "col";
    head.append(cell);
  }
  $("#settings thead").replaceChildren(head);
  const rows = [...state.attributes, AGGREGATE].map((name) => {
    const row = element("tr");
    row.dataset.name = name;
    const title = element("th", name === AGGREGATE ? "aggregate-name" : "", name);
    title.scope = "row";
    const weight = element("td");
    if (name === AGGREGATE) weight.append(element("span", "muted", "\u2014"));
    else weight.append(numberInput(name, "weight", String(state.defaults[name] ?? 0), `${name} weight`));
    row.append(title, weight);
    for (const field of ["min", "max"]) {
      const cell = element("td");
      cell.append(numberInput(name, field, "", `${name} ${field}`));
      row.append(cell);
    }
    if (state.uncertainty) {
      const cell = element("td");
      if (name !== AGGREGATE) cell.append(numberInput(name, "max_uncertainty", "", `${name} max uncertainty`));
      row.append(cell);
    }
    return row;
  });
  $("#settings tbody").replaceChildren(...rows);
}

function resetSettings() {
  for (const input of $$("#settings input")) {
    input.value = input.dataset.field === "weight" ? String(state.defaults[input.dataset.name] ?? 0) : "";
  }
  render();
}

// Weights (an empty weight is 0) and the bounds set, in the table's order.
function readSettings() {
  const weights = {};
  const bounds = new Map();
  for (const input of $$("#settings input")) {
    const { name, field } = input.dataset;
    const bad = input.validity.badInput;
    input.classList.toggle("bad", bad);
    const value = input.value.trim() === "" ? null : Number(input.value);
    if (field === "weight") {
      weights[name] = value ?? 0;
    } else if (value !== null) {
      if (!bounds.has(name)) bounds.set(name, { min: null, max: null, max_uncertainty: null });
      bounds.get(name)[field] = value;
    }
  }
  return { weights, bounds };
}

// --- responses -----------------------------------------------------------------------------

function responseBoxes() {
  return $$("#responses .response");
}

function addResponse(text = "") {
  const box = $("#response-template").content.firstElementChild.cloneNode(true);
  const area = $(".response-text", box);
  area.value = text;
  area.addEventListener("input", () => {
    box.classList.remove("invalid");
    if (results.has(box)) box.classList.add("stale");
    render();
  });
  $(".remove", box).addEventListener("click", () => {
    box.remove();
    renumber();
    render();
  });
  $("#responses").append(box);
  renumber();
  render();
  return box;
}

function renumber() {
  const boxes = responseBoxes();
  boxes.forEach((box, index) => {
    box.dataset.index = String(index);
    $(".number", box).textContent = String(index + 1);
    $(".response-text", box).setAttribute("aria-label", `Response ${index + 1}`);
    $(".remove", box).disabled = boxes.length === 1;
  });
}

function format() {
  return $("input[name=format]:checked").value;
}

function setFormat() {
  const area = $("#conversation");
  const text = area.value;
  if (format() === "messages") {
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // A plain prompt: it becomes the one user turn.
    }
    if (!Array.isArray(parsed)) area.value = JSON.stringify([{ role: "user", content: text }], null, 2);
  } else {
    try {
      const messages = JSON.parse(text);
      const last = Array.isArray(messages) ? messages[messages.length - 1] : null;
      if (last && last.role === "user" && typeof last.content === "string") area.value = last.content;
    } catch {
      // Not JSON: it already reads as a prompt.
    }
  }
  $("#conversation-hint").textContent = HINTS[format()];
  markAllStale();
}

function markAllStale() {
  for (const box of responseBoxes()) if (results.has(box)) box.classList.add("stale");
  render();
}

// One /score item per response box, each with the same conversation.
function buildItems(boxes) {
  const texts = boxes.map((box) => $(".response-text", box).value);
  const conversation = $("#conversation").value;
  if (format() === "prompt") return texts.map((response) => ({ prompt: conversation, response }));
  let messages;
  try {
    messages = JSON.parse(conversation);
  } catch (error) {
    throw new ApiError(0, "invalid_conversation", `the conversation is not valid JSON (${error.message}); or choose "plain prompt"`);
  }
  if (!Array.isArray(messages)) {
    throw new ApiError(0, "invalid_conversation", 'the conversation must be a JSON list of messages, e.g. [{"role": "user", "content": "Hi"}]');
  }
  return texts.map((response) => ({ messages: [...messages, { role: "assistant", content: response }] }));
}

async function score() {
  if (state.busy) return;
  const boxes = responseBoxes();
  hideError();
  let items;
  try {
    items = buildItems(boxes);
  } catch (error) {
    showError(error, "score");
    return;
  }
  state.busy = true;
  $("#score").disabled = true;
  $("#status").textContent = `Scoring ${items.length} response${items.length === 1 ? "" : "s"}\u2026`;
  const started = performance.now();
  try {
    // No weights or thresholds are sent: the page applies its own to the scores.
    const answer = await call("POST", "score", { items });
    const uncertainty = answer.results.some((result) => result.uncertainty);
    adoptModel(answer.attributes, answer.weights, state.uncertainty || uncertainty);
    for (const result of answer.results) {
      const box = boxes[result.index];
      results.set(box, { ...result, attributes: answer.attributes });
      box.classList.remove("stale");
    }
    const seconds = (performance.now() - started) / 1000;
    $("#status").textContent = `Scored ${items.length} by ${answer.model} in ${seconds.toFixed(2)} s`;
  } catch (error) {
    $("#status").textContent = "";
    showError(error, "score");
  } finally {
    state.busy = false;
    $("#score").disabled = false;
    render();
  }
}

// --- drawing the results ---------------------------------------------------------------------

function outcome(result, weights, bounds) {
  const aggregate = result.attributes.reduce((sum, name) => sum + (weights[name] ?? 0) * result.scores[name], 0);
  const values = { ...result.scores, [AGGREGATE]: aggregate };
  const failed = [];
  for (const [name, bound] of bounds) {
    if (!(name in values)) continue;
    const value = values[name];
    if ((bound.min !== null && value < bound.min) || (bound.max !== null && value > bound.max)) failed.push(name);
    if (bound.max_uncertainty !== null && !(result.uncertainty && result.uncertainty[name] <= bound.max_uncertainty)) {
      failed.push(name + UNCERTAIN);
    }
  }
  return { aggregate, failed };
}

function scoreRow(name, value, spread, failing) {
  const row = element("li", failing ? "score failing" : "score");
  row.dataset.attribute = name;
  const bar = element("span", "bar");
  bar.setAttribute("role", "meter");
  bar.setAttribute("aria-label", name);
  bar.setAttribute("aria-valuemin", String(SCALE_MIN));
  bar.setAttribute("aria-valuemax", String(SCALE_MAX));
  bar.setAttribute("aria-valuenow", String(clamp(value)));
  bar.setAttribute("aria-valuetext", fixed(value));
  const fill = element("span", "fill");
  fill.style.width = percent(value);
  bar.append(fill);
  if (value < SCALE_MIN || value > SCALE_MAX) {
    bar.classList.add(value < SCALE_MIN ? "below" : "above");
    bar.title = `${fixed(value)} is outside the ${SCALE_MIN}-${SCALE_MAX} scale`;
  }
  if (spread !== null) {
    const whisker = element("span", "spread");
    whisker.style.left = percent(value - spread);
    whisker.style.right = `calc(100% - ${percent(value + spread)})`;
    bar.append(whisker);
  }
  const number = element("span", "value", fixed(value));
  number.dataset.value = String(value);
  const uncertainty = element("span", "uncertainty", spread === null ? "" : `\u00b1 ${fixed(spread)}`);
  if (spread !== null) uncertainty.dataset.value = String(spread);
  row.append(element("span", "name", name), bar, number, uncertainty);
  return row;
}

function render() {
  const { weights, bounds } = readSettings();
  const boxes = responseBoxes();
  const scored = boxes.filter((box) => results.has(box));
  const outcomes = new Map(scored.map((box) => [box, outcome(results.get(box), weights, bounds)]));
  const order = [...scored].sort(
    (a, b) => outcomes.get(b).aggregate - outcomes.get(a).aggregate || boxes.indexOf(a) - boxes.indexOf(b),
  );
  for (const box of boxes) {
    const panel = $(".result", box);
    const marks = $(".marks", box);
    box.classList.remove("best", "worst");
    marks.replaceChildren();
    if (!results.has(box)) {
      panel.hidden = true;
      continue;
    }
    const result = results.get(box);
    const { aggregate, failed } = outcomes.get(box);
    const rank = order.indexOf(box) + 1;
    if (order.length > 1 && rank === 1) box.classList.add("best");
    if (order.length > 1 && rank === order.length) box.classList.add("worst");
    for (const mark of ["best", "worst"]) if (box.classList.contains(mark)) marks.append(element("span", `mark ${mark}`, mark));
    if (box.classList.contains("stale")) {
      const stale = element("span", "mark stale-mark", "edited");
      stale.title = "Changed since it was scored: Score again for its new scores";
      marks.append(stale);
    }

    $(".rank", box).textContent = `#${rank} of ${order.length}`;
    $(".rank", box).dataset.rank = String(rank);
    const value = $(".aggregate-value", box);
    value.textContent = fixed(aggregate);
    value.dataset.value = String(aggregate);
    const verdict = $(".verdict", box);
    verdict.textContent = failed.length ? "fail" : "pass";
    verdict.className = `verdict ${failed.length ? "fail" : "pass"}`;
    $(".failed", box).textContent = failed.length ? `outside its bounds: ${failed.join(", ")}` : "";
    $(".failed", box).dataset.failed = JSON.stringify(failed);
    $(".failed", box).classList.toggle("aggregate-failing", failed.includes(AGGREGATE));
    const rows = result.attributes.map((name) =>
      scoreRow(name, result.scores[name], result.uncertainty ? result.uncertainty[name] : null, failed.includes(name)),
    );
    $(".scores", box).replaceChildren(...rows);
    $(".meta", box).textContent = `${result.tokens} tokens${result.truncated ? " (context truncated)" : ""}`;
    panel.hidden = false;
  }
}

// --- start -------------------------------------------------------------------------------------

function start() {
  $("#conversation").value = EXAMPLE.prompt;
  $("#conversation-hint").textContent = HINTS.prompt;
  for (const text of EXAMPLE.responses) addResponse(text);
  $("#conversation").addEventListener("input", markAllStale);
  for (const radio of $$("input[name=format]")) radio.addEventListener("change", setFormat);
  $("#add-response").addEventListener("click", () => $(".response-text", addResponse()).focus());
  $("#score").addEventListener("click", score);
  $("#reset").addEventListener("click", resetSettings);
  $("#api-key").addEventListener("change", loadInfo);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      score();
    }
  });
  loadInfo();
}

start();
