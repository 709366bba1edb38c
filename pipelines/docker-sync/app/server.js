// A tiny HTTP server that answers with a string. Edit the text and save: pipeline mirrors
// the file into the container's folder and restarts the container.
const http = require("http");

const port = Number(process.env.PORT || 8080);
const server = http.createServer((request, response) => {
  response.end("hello from the container\n");
});
server.listen(port, () => console.log(`listening on ${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
