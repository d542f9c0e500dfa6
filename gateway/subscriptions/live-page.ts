/** The development watch page: paste a token and an interaction id, watch segments arrive. */
export const livePage = () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Live transcript</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}input{width:100%;margin:.2em 0 .8em}li{margin:.3em 0}#status{color:#555}</style>
</head><body>
<h1>Live transcript</h1>
<label>Access token <input id="token" autocomplete="off"></label>
<label>Interaction id <input id="interaction" autocomplete="off"></label>
<label>From sequence (optional) <input id="from" type="number" min="0"></label>
<button id="watch">Watch</button> <span id="status">idle</span>
<ol id="segments"></ol>
<script>
// graphql-transport-ws over the browser's WebSocket, no library.
const $ = (id) => document.getElementById(id);
let socket;
$('watch').onclick = () => {
  if (socket) socket.close(1000);
  $('segments').textContent = '';
  const url = location.origin.replace(/^http/, 'ws') + '/graphql';
  socket = new WebSocket(url, 'graphql-transport-ws');
  const from = $('from').value === '' ? null : Number($('from').value);
  socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer ' + $('token').value.trim() } }));
  socket.onmessage = (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type === 'connection_ack') {
      $('status').textContent = 'watching';
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: {
        query: 'subscription($id: ID!, $from: Int) { transcriptSegmentsAdded(interactionId: $id, fromSequence: $from) { sequence speaker text redactions { total } } }',
        variables: { id: $('interaction').value.trim(), from },
      } }));
    } else if (frame.type === 'next') {
      const segment = frame.payload.data && frame.payload.data.transcriptSegmentsAdded;
      if (!segment) { $('status').textContent = (frame.payload.errors || [{ message: 'error' }])[0].message; return; }
      const item = document.createElement('li');
      item.dataset.sequence = segment.sequence;
      item.textContent = segment.speaker + ': ' + segment.text;
      $('segments').appendChild(item);
    } else if (frame.type === 'error') {
      $('status').textContent = frame.payload[0].message;
    } else if (frame.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong' }));
    }
  };
  socket.onclose = (event) => { $('status').textContent = 'closed ' + event.code + (event.reason ? ' ' + event.reason : ''); };
};
</script>
</body></html>
`;
