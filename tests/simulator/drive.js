// Drive the running skill over HTTP with virtual-alexa, a third-party Alexa simulator.
//
// Usage: node drive.js SKILL_URL MODEL_JSON < steps.json > transcript.json
// steps.json is a list of {"launch": true} | {"utter": "text"} | {"intend": "Name", "slots": {...}}
// | {"end": true}. virtual-alexa resolves each utterance against the generated
// interaction model, keeps the session like Alexa does, and posts to SKILL_URL.
// The transcript lists, per step, the request virtual-alexa sent and the response.
"use strict";

const fs = require("fs");
const { VirtualAlexa } = require("virtual-alexa");

async function main() {
  const [url, modelPath] = process.argv.slice(2);
  if (!url || !modelPath) {
    console.error("usage: node drive.js SKILL_URL MODEL_JSON < steps.json");
    process.exit(2);
  }
  const steps = JSON.parse(fs.readFileSync(0, "utf8"));
  const alexa = VirtualAlexa.Builder()
    .skillURL(url)
    .interactionModelFile(modelPath)
    .locale("en-US")
    .create();
  let sent = null;
  alexa.filter((request) => { sent = request; });
  const transcript = [];
  for (const step of steps) {
    sent = null;
    let response;
    if (step.launch) response = await alexa.launch();
    else if (step.utter !== undefined) response = await alexa.utter(step.utter);
    else if (step.intend !== undefined) response = await alexa.intend(step.intend, step.slots || {});
    else if (step.end) response = await alexa.endSession();
    else throw new Error(`unknown step ${JSON.stringify(step)}`);
    transcript.push({
      step,
      request: sent && { type: sent.request.type, intent: (sent.request.intent && sent.request.intent.name) || null,
                         slots: (sent.request.intent && sent.request.intent.slots) || null },
      response,
    });
  }
  process.stdout.write(JSON.stringify(transcript, null, 1));
}

main().catch((error) => {
  console.error(String(error && error.stack || error));
  process.exit(1);
});
