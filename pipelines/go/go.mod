// The example module of `pipeline`'s Go pipeline. `go 1.19` so that Debian's Go (1.19)
// builds it. A toolchain older than this line is the version mismatch of the air article:
// Go 1.21 and newer refuse with "go.mod requires go >= X (running go Y…)"; Go 1.19 and 1.20
// try, and when the build fails they add "note: module requires Go X". Update the
// toolchain, or lower this line.
module example.com/hello

go 1.19
