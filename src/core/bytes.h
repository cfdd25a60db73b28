// Bytes: a growable byte array for column values — std::vector<uint8_t>'s interface where columns
// use it, without its two costs on the decode hot path: small appends are inline stores (vector's
// insert calls memmove for every 4- or 8-byte value) and growth does not zero-fill.
// Thread-safety: none (a plain value type).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice {

class Bytes {
 public:
  using value_type = uint8_t;
  using size_type = size_t;
  using iterator = uint8_t*;
  using const_iterator = const uint8_t*;

  Bytes() = default;
  Bytes(std::initializer_list<uint8_t> init) { Append(init.begin(), init.size()); }
  Bytes(const Bytes& other) { Append(other.data(), other.size()); }
  Bytes(Bytes&& other) noexcept : begin_(other.begin_), end_(other.end_), cap_(other.cap_) {
    other.begin_ = other.end_ = other.cap_ = nullptr;
  }
  Bytes& operator=(const Bytes& other) {
    if (this != &other) {
      clear();
      Append(other.data(), other.size());
    }
    return *this;
  }
  Bytes& operator=(Bytes&& other) noexcept {
    if (this != &other) {
      std::free(begin_);
      begin_ = other.begin_;
      end_ = other.end_;
      cap_ = other.cap_;
      other.begin_ = other.end_ = other.cap_ = nullptr;
    }
    return *this;
  }
  Bytes& operator=(std::initializer_list<uint8_t> init) {
    clear();
    Append(init.begin(), init.size());
    return *this;
  }
  ~Bytes() { std::free(begin_); }

  size_t size() const { return static_cast<size_t>(end_ - begin_); }
  size_t capacity() const { return static_cast<size_t>(cap_ - begin_); }
  bool empty() const { return end_ == begin_; }
  uint8_t* data() { return begin_; }
  const uint8_t* data() const { return begin_; }
  iterator begin() { return begin_; }
  iterator end() { return end_; }
  const_iterator begin() const { return begin_; }
  const_iterator end() const { return end_; }
  uint8_t& operator[](size_t i) { return begin_[i]; }
  uint8_t operator[](size_t i) const { return begin_[i]; }
  uint8_t back() const { return end_[-1]; }

  void reserve(size_t n) {
    if (n > capacity()) Reallocate(n);
  }
  void clear() { end_ = begin_; }
  // Like vector: bytes added by growing are `fill` (zero by default).
  void resize(size_t n, uint8_t fill = 0) {
    const size_t old = size();
    if (n > old) {
      if (n > capacity()) Grow(n);
      std::memset(begin_ + old, fill, n - old);
    }
    end_ = begin_ + n;
  }
  void push_back(uint8_t v) {
    if (end_ == cap_) Grow(size() + 1);
    *end_++ = v;
  }
  // Appends n bytes from p.
  void Append(const void* p, size_t n) {
    if (static_cast<size_t>(cap_ - end_) < n) Grow(size() + n);
    if (n != 0) std::memcpy(end_, p, n);
    end_ += n;
  }
  // Appends n bytes from p as whole 16-byte blocks, so a short string costs two vector copies
  // instead of a memcpy call. REQUIRES p[0, n + 16) readable (a parser's input padding); the
  // bytes stored past the new end lie within capacity and are not part of the array.
  [[gnu::always_inline]] void AppendPadded(const void* p, size_t n) {
#if defined(__SSE2__)
    if (static_cast<size_t>(cap_ - end_) < n + 16) Grow(size() + n + 16);
    if (n <= 32) {
      const auto* from = static_cast<const __m128i*>(p);
      auto* to = reinterpret_cast<__m128i*>(end_);
      _mm_storeu_si128(to, _mm_loadu_si128(from));
      if (n > 16) _mm_storeu_si128(to + 1, _mm_loadu_si128(from + 1));
      end_ += n;
      return;
    }
#endif
    Append(p, n);
  }
  // Appends a trivially copyable value's bytes; compiles to one store when there is room.
  template <typename T>
  [[gnu::always_inline]] void AppendValue(T v) {
    if (static_cast<size_t>(cap_ - end_) < sizeof(T)) Grow(size() + sizeof(T));
    std::memcpy(end_, &v, sizeof(T));
    end_ += sizeof(T);
  }

  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
  }
  friend bool operator==(const Bytes& a, const std::vector<uint8_t>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
  }

 private:
  // Capacity for at least `need` bytes, at least doubling so appends stay amortised O(1).
  // Out of line: the appends that call it stay small enough to inline.
  [[gnu::noinline]] void Grow(size_t need) {
    size_t cap = capacity() * 2;
    if (cap < 64) cap = 64;
    Reallocate(cap < need ? need : cap);
  }
  void Reallocate(size_t cap) {
    const size_t n = size();
    auto* p = static_cast<uint8_t*>(std::realloc(begin_, cap));
    if (p == nullptr) throw std::bad_alloc();
    begin_ = p;
    end_ = p + n;
    cap_ = p + cap;
  }

  uint8_t* begin_ = nullptr;
  uint8_t* end_ = nullptr;
  uint8_t* cap_ = nullptr;
};

}  // namespace sluice
