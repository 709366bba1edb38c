// A tiny HTTP server for the Node example of `pipeline`, with node's own http module (no
// packages): it answers every request with `greeting` on 127.0.0.1:$PORT (8080 by
// default). Edit the text while `pipeline run` runs: the server restarts with it.
// On SIGTERM, which the pipeline's restart stage sends, it stops accepting, lets the
// requests in flight finish, and exits.
const http = require("node:http");

const greeting = "Hello from Node!";

const port = Number(process.env.PORT || 8080);
const server = http.createServer((request, response) => {
  response.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
  response.end(greeting + "\n");
});

server.listen(port, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${port}/ — answering "${greeting}"`);
});

process.on("SIGTERM", () => {
  console.log("stopping: finishing requests in flight");
  server.close(() => process.exit(0));
  // Keep-alive connections would hold close() open: end them.
  server.closeIdleConnections();
});
