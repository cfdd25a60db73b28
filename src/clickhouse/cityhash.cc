// CityHash v1.0.2 (Geoff Pike, Jyrki Alakuijala; Google, MIT licence), the 128-bit variant only.
// Little-endian loads, as ClickHouse on x86-64/aarch64.
#include "clickhouse/cityhash.h"

#include <cstring>
#include <utility>

namespace sluice {
namespace {

using U64 = uint64_t;
using Pair = std::pair<U64, U64>;

constexpr U64 k0 = 0xc3a5c85c97cb3127ULL;
constexpr U64 k1 = 0xb492b66fbe98f273ULL;
constexpr U64 k2 = 0x9ae16a3b2f90404fULL;
constexpr U64 k3 = 0xc949d7c7509e6557ULL;

U64 Load64(const char* p) {
  U64 v;
  std::memcpy(&v, p, 8);
  return v;
}

U64 Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

U64 Rot(U64 v, int s) {
  return s == 0 ? v : (v >> s) | (v << (64 - s));
}
U64 Mix47(U64 v) {
  return v ^ (v >> 47);
}

// Hash128to64: the Murmur-style reduction of two words.
U64 Hash16(U64 u, U64 v) {
  constexpr U64 kMul = 0x9ddfea08eb382d69ULL;
  U64 a = (u ^ v) * kMul;
  a ^= a >> 47;
  U64 b = (v ^ a) * kMul;
  b ^= b >> 47;
  return b * kMul;
}

U64 HashUpTo16(const char* s, size_t len) {
  if (len > 8) {
    U64 a = Load64(s);
    U64 b = Load64(s + len - 8);
    return Hash16(a, Rot(b + len, static_cast<int>(len))) ^ b;
  }
  if (len >= 4) return Hash16(len + (Load32(s) << 3), Load32(s + len - 4));
  if (len > 0) {
    uint32_t y = static_cast<uint8_t>(s[0]) + (uint32_t{static_cast<uint8_t>(s[len >> 1])} << 8);
    uint32_t z = static_cast<uint32_t>(len) + (uint32_t{static_cast<uint8_t>(s[len - 1])} << 2);
    return Mix47(y * k2 ^ z * k3) * k2;
  }
  return k2;
}

// 16 bytes of state from 32 input bytes (as four words) and two seeds.
Pair Weak32(U64 w, U64 x, U64 y, U64 z, U64 a, U64 b) {
  a += w;
  b = Rot(b + a + z, 21);
  U64 c = a;
  a += x + y;
  b += Rot(a, 44);
  return {a + z, b + c};
}

Pair Weak32(const char* s, U64 a, U64 b) {
  return Weak32(Load64(s), Load64(s + 8), Load64(s + 16), Load64(s + 24), a, b);
}

// Inputs shorter than 128 bytes.
CityHash128Value Murmur(const char* s, size_t len, U64 a, U64 b) {
  U64 c, d;
  if (len <= 16) {
    a = Mix47(a * k1) * k1;
    c = b * k1 + HashUpTo16(s, len);
    d = Mix47(a + (len >= 8 ? Load64(s) : c));
  } else {
    c = Hash16(Load64(s + len - 8) + k1, a);
    d = Hash16(b + len, c + Load64(s + len - 16));
    a += d;
    // Consumes 16 bytes per round while any of the first len-16 bytes remain (v1.0.2 semantics).
    for (ptrdiff_t left = static_cast<ptrdiff_t>(len) - 16; left > 0; left -= 16, s += 16) {
      a ^= Mix47(Load64(s) * k1) * k1;
      a *= k1;
      b ^= a;
      c ^= Mix47(Load64(s + 8) * k1) * k1;
      c *= k1;
      d ^= c;
    }
  }
  a = Hash16(a, c);
  b = Hash16(d, b);
  return {a ^ b, Hash16(b, a)};
}

CityHash128Value WithSeed(const char* s, size_t len, U64 x, U64 y) {
  if (len < 128) return Murmur(s, len, x, y);
  U64 z = len * k1;
  Pair v, w;
  v.first = Rot(y ^ k1, 49) * k1 + Load64(s);
  v.second = Rot(v.first, 42) * k1 + Load64(s + 8);
  w.first = Rot(y + z, 35) * k1 + x;
  w.second = Rot(x + Load64(s + 88), 53) * k1;
  // One 64-byte round; the reference unrolls it twice per 128-byte step.
  auto round = [&](const char* p) {
    x = Rot(x + y + v.first + Load64(p + 16), 37) * k1;
    y = Rot(y + v.second + Load64(p + 48), 42) * k1;
    x ^= w.second;
    y ^= v.first;
    z = Rot(z ^ w.first, 33);
    v = Weak32(p, v.second * k1, x + w.first);
    w = Weak32(p + 32, z + w.second, y);
    std::swap(z, x);
  };
  do {
    round(s);
    round(s + 64);
    s += 128;
    len -= 128;
  } while (len >= 128);
  y += Rot(w.first, 37) * k0 + z;
  x += Rot(v.first + z, 49) * k0;
  // Up to four 32-byte chunks from the end (they may overlap bytes already hashed).
  for (size_t done = 0; done < len;) {
    done += 32;
    y = Rot(y - x, 42) * k0 + v.second;
    w.first += Load64(s + len - done + 16);
    x = Rot(x, 49) * k0 + w.first;
    w.first += v.first;
    v = Weak32(s + len - done, v.first, v.second);
  }
  x = Hash16(x, v.first);
  y = Hash16(y, w.first);
  return {Hash16(x + v.second, w.second) + y, Hash16(x + w.second, y + v.second)};
}

}  // namespace

CityHash128Value CityHash128V102(const char* s, size_t len) {
  if (len >= 16) return WithSeed(s + 16, len - 16, Load64(s) ^ k3, Load64(s + 8));
  if (len >= 8) return WithSeed(nullptr, 0, Load64(s) ^ (len * k0), Load64(s + len - 8) ^ k1);
  return WithSeed(s, len, k0, k1);
}

}  // namespace sluice
