// z = x + y over 2 M floats (the `add` fp32 B32 C256 16x16 line) in a plain OpenMP loop, each
// of 14 consecutive calls timed: does the slow start of that benchmark line come from our engine
// or from the machine? (docs/BENCHMARKS.md, "Benchmark protocol": from the machine.)
//
//   gcc -O3 -march=native -fopenmp -o /tmp/add_ramp scripts/microbench/add_ramp.c
//   OMP_NUM_THREADS=2 /tmp/add_ramp [evict] [mode]
//
// evict = 1 first streams 96 MB (as the larger cases timed before it); mode 1 makes 6 more
// passes over x, y and z before the timed calls, mode 2 spins both threads for 2 ms on a small
// array.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
int main(int argc,char**argv){
  long n=2097152; int big=argc>1?atoi(argv[1]):0;
  float*x=aligned_alloc(64,n*4),*y=aligned_alloc(64,n*4),*z=aligned_alloc(64,n*4);
  // a "previous case": stream through 96 MB to evict, like the 64x64 lines before
  if(big){ long m=24L<<20; float*w=aligned_alloc(64,m*4); for(int r=0;r<3;r++){
    #pragma omp parallel for
    for(long i=0;i<m;i++) w[i]=w[i]*0.5f+1; } free(w);}
  #pragma omp parallel for
  for(long i=0;i<n;i++){x[i]=i*1e-6f;y[i]=1;}
  #pragma omp parallel for
  for(long i=0;i<n;i++) z[i]=0;
  int mode=argc>2?atoi(argv[2]):0; double t0=now();
  if(mode==1) for(int r=0;r<6;r++){
    #pragma omp parallel for
    for(long i=0;i<n;i++) z[i]=x[i]*y[i];
  }
  if(mode==2){ volatile float acc=0; float small[4096]; memset(small,0,sizeof small);
    #pragma omp parallel
    { double e=now()+2.0; float a=0; while(now()<e) for(int i=0;i<4096;i++) a+=small[i]; acc+=a; } }
  fprintf(stderr,"pre %.2f ms | ",now()-t0);
  for(int c=0;c<14;c++){double t=now();
    #pragma omp parallel for schedule(static)
    for(long i=0;i<n;i++) z[i]=x[i]+y[i];
    printf("%.3f ",now()-t);}
  printf("\n");
}
