// Run static/js/protocol.js's room-state reducer on event sequences, as the browsers do.
// stdin: [{"state": ..., "events": [...], "chat_history": n}, ...]; stdout: the states after each event.
import { applyRoomEvent } from "./protocol.js";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const runs = JSON.parse(input).map(({ state, events, chat_history }) => {
  const states = [];
  for (const event of events) {
    state = applyRoomEvent(state, event, chat_history);
    states.push(state);
  }
  return states;
});
process.stdout.write(JSON.stringify(runs));
