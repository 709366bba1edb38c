// The example module of `pipeline`'s Go pipeline. `go 1.19` so that Debian's Go (1.19)
// builds it: a toolchain older than this line fails with "go.mod requires go >= X" (the
// version mismatch of the air article); update the toolchain or lower this line.
module example.com/hello

go 1.19
