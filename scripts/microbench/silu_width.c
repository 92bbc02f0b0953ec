// The bf16 SiLU backward at 8 and 16 lanes, with integer and `vcvtneps2bf16` rounding: the
// measurement behind docs/BENCHMARKS.md, "Kernels" (why the transcendental kernels run on
// SIMD16). One core; prints the best of 15 runs per variant, three times over.
//
//   clang -O3 -march=native -o /tmp/silu_width scripts/microbench/silu_width.c
//   /tmp/silu_width 2097152    # values per array (2 M: 12 MB in all, in L3)
//   /tmp/silu_width 65536      # (in L2)
//
// Needs AVX-512 F/BW/VL and AVX512_BF16. The exp is the one of VectorMath.swift.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include <string.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
#define N (2*1024*1024)
// 8-lane exp as the Swift one
static inline __m256 exp8(__m256 x){
  x=_mm256_max_ps(x,_mm256_set1_ps(-87.3f)); x=_mm256_min_ps(x,_mm256_set1_ps(88.3f));
  __m256 magic=_mm256_set1_ps(12582912.f+127.f);
  __m256 b=_mm256_fmadd_ps(x,_mm256_set1_ps(1.44269504f),magic);
  __m256 n=_mm256_sub_ps(b,magic);
  __m256 r=_mm256_fmadd_ps(n,_mm256_set1_ps(-0.693359375f),x);
  r=_mm256_fmadd_ps(n,_mm256_set1_ps(2.1219444e-4f),r);
  __m256 p=_mm256_set1_ps(1.9875691e-4f);
  p=_mm256_fmadd_ps(p,r,_mm256_set1_ps(1.3981999e-3f));
  p=_mm256_fmadd_ps(p,r,_mm256_set1_ps(8.333452e-3f));
  p=_mm256_fmadd_ps(p,r,_mm256_set1_ps(4.1665796e-2f));
  p=_mm256_fmadd_ps(p,r,_mm256_set1_ps(1.6666665e-1f));
  p=_mm256_fmadd_ps(p,r,_mm256_set1_ps(5.0000001e-1f));
  __m256 r2=_mm256_mul_ps(r,r);
  __m256 er=_mm256_fmadd_ps(p,r2,_mm256_add_ps(r,_mm256_set1_ps(1)));
  __m256i e=_mm256_slli_epi32(_mm256_castps_si256(b),23);
  return _mm256_mul_ps(er,_mm256_castsi256_ps(e));
}
static inline __m512 exp16(__m512 x){
  x=_mm512_max_ps(x,_mm512_set1_ps(-87.3f)); x=_mm512_min_ps(x,_mm512_set1_ps(88.3f));
  __m512 magic=_mm512_set1_ps(12582912.f+127.f);
  __m512 b=_mm512_fmadd_ps(x,_mm512_set1_ps(1.44269504f),magic);
  __m512 n=_mm512_sub_ps(b,magic);
  __m512 r=_mm512_fmadd_ps(n,_mm512_set1_ps(-0.693359375f),x);
  r=_mm512_fmadd_ps(n,_mm512_set1_ps(2.1219444e-4f),r);
  __m512 p=_mm512_set1_ps(1.9875691e-4f);
  p=_mm512_fmadd_ps(p,r,_mm512_set1_ps(1.3981999e-3f));
  p=_mm512_fmadd_ps(p,r,_mm512_set1_ps(8.333452e-3f));
  p=_mm512_fmadd_ps(p,r,_mm512_set1_ps(4.1665796e-2f));
  p=_mm512_fmadd_ps(p,r,_mm512_set1_ps(1.6666665e-1f));
  p=_mm512_fmadd_ps(p,r,_mm512_set1_ps(5.0000001e-1f));
  __m512 r2=_mm512_mul_ps(r,r);
  __m512 er=_mm512_fmadd_ps(p,r2,_mm512_add_ps(r,_mm512_set1_ps(1)));
  __m512i e=_mm512_slli_epi32(_mm512_castps_si512(b),23);
  return _mm512_mul_ps(er,_mm512_castsi512_ps(e));
}
static inline __m256 widen8(const uint16_t*p){return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p)),16));}
static inline __m512 widen16(const uint16_t*p){return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)p)),16));}
static inline __m128i narrow8(__m256 v){ // integer RNE like narrowBF16 (no NaN)
  __m256i x=_mm256_castps_si256(v);
  __m256i t=_mm256_add_epi32(_mm256_add_epi32(x,_mm256_set1_epi32(0x7fff)),_mm256_and_si256(_mm256_srli_epi32(x,16),_mm256_set1_epi32(1)));
  t=_mm256_srli_epi32(t,16);
  return _mm256_cvtepi32_epi16(t);
}
static inline __m256 grad8(__m256 g,__m256 x){
  __m256 s=_mm256_div_ps(_mm256_set1_ps(1),_mm256_add_ps(_mm256_set1_ps(1),exp8(_mm256_sub_ps(_mm256_setzero_ps(),x))));
  __m256 one=_mm256_set1_ps(1);
  return _mm256_mul_ps(_mm256_mul_ps(g,s),_mm256_fmadd_ps(x,_mm256_sub_ps(one,s),one));
}
static inline __m512 grad16(__m512 g,__m512 x){
  __m512 s=_mm512_div_ps(_mm512_set1_ps(1),_mm512_add_ps(_mm512_set1_ps(1),exp16(_mm512_sub_ps(_mm512_setzero_ps(),x))));
  __m512 one=_mm512_set1_ps(1);
  return _mm512_mul_ps(_mm512_mul_ps(g,s),_mm512_fmadd_ps(x,_mm512_sub_ps(one,s),one));
}
__attribute__((noinline)) void v8int(const uint16_t*g,const uint16_t*x,uint16_t*o,long n){for(long i=0;i<n;i+=8)_mm_storeu_si128((__m128i*)(o+i),narrow8(grad8(widen8(g+i),widen8(x+i))));}
__attribute__((noinline)) void v8cvt(const uint16_t*g,const uint16_t*x,uint16_t*o,long n){for(long i=0;i<n;i+=8)_mm_storeu_si128((__m128i*)(o+i),(__m128i)_mm256_cvtneps_pbh(grad8(widen8(g+i),widen8(x+i))));}
__attribute__((noinline)) void v16cvt(const uint16_t*g,const uint16_t*x,uint16_t*o,long n){for(long i=0;i<n;i+=16)_mm256_storeu_si256((__m256i*)(o+i),(__m256i)_mm512_cvtneps_pbh(grad16(widen16(g+i),widen16(x+i))));}
__attribute__((noinline)) void v16int(const uint16_t*g,const uint16_t*x,uint16_t*o,long n){for(long i=0;i<n;i+=16){__m512 v=grad16(widen16(g+i),widen16(x+i));__m512i xi=_mm512_castps_si512(v);
 __m512i t=_mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(xi,_mm512_set1_epi32(0x7fff)),_mm512_and_si512(_mm512_srli_epi32(xi,16),_mm512_set1_epi32(1))),16);
 _mm256_storeu_si256((__m256i*)(o+i),_mm512_cvtepi32_epi16(t));}}
__attribute__((noinline)) void copyk(const uint16_t*g,const uint16_t*x,uint16_t*o,long n){for(long i=0;i<n;i+=16)_mm256_storeu_si256((__m256i*)(o+i),_mm256_add_epi16(_mm256_loadu_si256((const __m256i*)(g+i)),_mm256_loadu_si256((const __m256i*)(x+i))));}
typedef void(*K)(const uint16_t*,const uint16_t*,uint16_t*,long);
int main(int argc,char**argv){
  long n=argc>1?atol(argv[1]):N;
  uint16_t*g=aligned_alloc(64,n*2),*x=aligned_alloc(64,n*2),*o=aligned_alloc(64,n*2);
  for(long i=0;i<n;i++){float f=(float)((i*7919)%2000)/200.f-5.f;uint32_t u;memcpy(&u,&f,4);x[i]=u>>16;g[i]=0x3f80;}
  memset(o,0,n*2);
  K ks[]={copyk,v8int,v8cvt,v16int,v16cvt};const char*nm[]={"add16","v8int","v8cvt","v16int","v16cvt"};
  for(int rep=0;rep<3;rep++)for(int k=0;k<5;k++){double best=1e9;for(int j=0;j<15;j++){double t=now();ks[k](g,x,o,n);t=now()-t;if(t<best)best=t;}
   volatile uint16_t sink=o[n/3];(void)sink;printf("%s n=%ld %.3f ms  %.2f cyc/8 @2.7GHz\n",nm[k],n,best,best*1e-3*2.7e9/(n/8.0));}
}
