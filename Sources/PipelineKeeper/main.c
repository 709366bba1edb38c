// pipeline-keeper: the tiny program `pipeline` puts between itself and every command, so
// that no command outlives `pipeline`. The logic is in CPipelineSystem/keeper.c, shared
// with the `pipeline __keeper` fallback.
#include "CPipelineSystem.h"

int main(int argc, char *argv[]) { return pipeline_keeper_main(argc, argv); }
