// Native reference loop for the package benchmark (src/bench.ts): the raw loop of an env step
// (frame_skip x mj_step + mj_rnePostConstraint) on the system MuJoCo (Debian's libmujoco-dev).
// usage: native MODEL.xml FRAME_SKIP STEPS_PER_EPISODE EPISODES ROUNDS
// prints the best env steps/second over ROUNDS and mj_version().
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s MODEL.xml FRAME_SKIP STEPS EPISODES ROUNDS\n", argv[0]);
    return 2;
  }
  char err[1000] = "";
  mjModel* m = mj_loadXML(argv[1], NULL, err, sizeof(err));
  if (!m) {
    fprintf(stderr, "load %s: %s\n", argv[1], err);
    return 1;
  }
  int frameSkip = atoi(argv[2]), steps = atoi(argv[3]), episodes = atoi(argv[4]), rounds = atoi(argv[5]);
  mjData* d = mj_makeData(m);
  // Fixed pseudo-random controls within ctrlrange (same role as the JS benchmark's actions).
  double* ctrl = (double*)malloc(sizeof(double) * steps * m->nu);
  unsigned s = 12345;
  for (int t = 0; t < steps; t++)
    for (int i = 0; i < m->nu; i++) {
      s = s * 1103515245u + 12345u;
      double u = (double)s / 4294967296.0;
      double lo = m->actuator_ctrlrange[2 * i], hi = m->actuator_ctrlrange[2 * i + 1];
      ctrl[t * m->nu + i] = lo + (hi - lo) * u;
    }
  double best = 0;
  for (int r = 0; r < rounds; r++) {
    double elapsed = 0;
    for (int e = 0; e < episodes; e++) {
      mj_resetData(m, d);
      mj_forward(m, d);
      double t0 = now();
      for (int t = 0; t < steps; t++) {
        for (int i = 0; i < m->nu; i++) d->ctrl[i] = ctrl[t * m->nu + i];
        for (int k = 0; k < frameSkip; k++) mj_step(m, d);
        mj_rnePostConstraint(m, d);
      }
      elapsed += now() - t0;
    }
    double sps = (double)steps * episodes / elapsed;
    if (sps > best) best = sps;
  }
  printf("%.1f %d\n", best, mj_version());
  free(ctrl);
  mj_deleteData(d);
  mj_deleteModel(m);
  return 0;
}
