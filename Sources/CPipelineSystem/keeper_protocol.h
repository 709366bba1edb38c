// The spawn request as it travels on the keeper's socket: shared by the side that sends it
// (keeper_client.c, in `pipeline`) and the side that reads it (keeper_request.c, in the
// keeper). Not part of the public header: Swift never sees these bytes.
#ifndef KEEPER_PROTOCOL_H
#define KEEPER_PROTOCOL_H

#include <stdint.h>

/// "PLK1": a request from another version of the protocol is refused, not misread.
#define KEEPER_REQUEST_MAGIC 0x504c4b31u

/// The largest message either side sends; a longer request body follows its header in
/// continuation messages of at most this size, each holding nothing but body bytes.
#define KEEPER_MESSAGE_MAX (60 * 1024)

/// A body longer than this is refused (E2BIG): execve would refuse it anyway.
#define KEEPER_BODY_MAX (64u * 1024u * 1024u)

/// The descriptors travelling with a request (SCM_RIGHTS), in this order: stdout, stderr,
/// then stdin when PIPELINE_SPAWN_STDIN is set, then the listening socket when
/// PIPELINE_SPAWN_LISTEN is set.
#define KEEPER_MAX_FDS 4

/// The header of a spawn request, followed by `body_length` bytes: the program's path, the
/// working directory (empty: the keeper's), `argc` arguments, then `envc` environment
/// entries, each ended by a NUL byte.
struct keeper_request_header {
  uint32_t magic;
  uint32_t request;
  int32_t stop_signal;
  int32_t grace_ms;
  uint32_t flags;
  uint32_t argc;
  uint32_t envc;
  uint32_t body_length;
};

#endif
