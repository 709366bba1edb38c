// pipeline-keeper: the small spawn server `pipeline` starts once and runs every command
// through, so that no command outlives `pipeline`. The logic is in CPipelineSystem
// (keeper_server.c and its neighbours), shared with the `pipeline __keeper --serve` fallback.
#include "CPipelineSystem.h"

int main(int argc, char *argv[]) { return pipeline_keeper_main(argc, argv); }
