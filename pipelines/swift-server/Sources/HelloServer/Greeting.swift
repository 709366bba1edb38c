// Edit this line while `pipeline run` runs: the server is rebuilt and restarted, and
// `curl http://127.0.0.1:8080/` answers with the new text.
let greeting = "Hello from Swift!"
