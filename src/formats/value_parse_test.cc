// Specification of the text parsers behind every conversion: date/time text and exact decimals.
#include "formats/value_parse.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>

namespace sluice {
namespace {

struct Instant {
  int64_t seconds;
  int64_t nanos;
  bool operator==(const Instant&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Instant& i) {
  return os << i.seconds << "s+" << i.nanos << "ns";
}

// ParseDateTime in UTC (or `zone`), nullopt if it rejects the text.
std::optional<Instant> Time(std::string_view s, const char* zone = nullptr) {
  Instant i{};
  const date::time_zone* tz = zone ? date::locate_zone(zone) : nullptr;
  if (!ParseDateTime(s, tz, &i.seconds, &i.nanos)) return std::nullopt;
  return i;
}

// ParseDecimal as a printable decimal string ("rejected" if it fails).
std::string Dec(std::string_view s, uint32_t precision, uint32_t scale) {
  __int128 v;
  if (!ParseDecimal(s, precision, scale, &v)) return "rejected";
  if (v == 0) return "0";
  const bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : v;
  std::string out;
  for (; u > 0; u /= 10) out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
  return neg ? "-" + out : out;
}

// 1700000000 = 2023-11-14 22:13:20 UTC.
constexpr int64_t kT = 1700000000;

// --- ParseDateTime -------------------------------------------------------------------------------

TEST(ParseDateTime, EpochSeconds) {
  EXPECT_EQ(Time("1700000000"), (Instant{kT, 0}));
}

TEST(ParseDateTime, FixedShapeAgreesWithTheCalendarOnEveryDayOfSampledYears) {
  // The "YYYY-MM-DD hh:mm:ss" fast path computes day numbers itself: every day number 0 to 32 of
  // every month 0 to 13, in years around each kind of leap-year rule and the ends of the range,
  // must be accepted exactly when the date is real, and land where date's calendar puts it.
  for (int y : {0, 1, 3, 4, 100, 399, 400, 1899, 1900, 1969, 1970, 1972, 2000, 2023, 2024, 2100,
                2400, 9998, 9999}) {
    for (unsigned m = 0; m <= 13; ++m) {
      for (unsigned d = 0; d <= 32; ++d) {
        char text[32];
        std::snprintf(text, sizeof text, "%04d-%02u-%02u 23:59:58", y, m, d);
        const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
        const auto got = Time(text);
        if (!ymd.ok()) {
          EXPECT_EQ(got, std::nullopt) << text;
          continue;
        }
        const int64_t days = date::sys_days(ymd).time_since_epoch().count();
        EXPECT_EQ(got, (Instant{days * 86400 + 86398, 0})) << text;
      }
    }
  }
}

TEST(ParseDateTime, FixedShapeRejectsOutOfRangeTimesAndNonDigits) {
  EXPECT_EQ(Time("2023-11-14 24:00:00"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14 23:60:00"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14 23:59:61"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14T22:13:20"), (Instant{kT, 0}));
  EXPECT_EQ(Time("2023-11-14 22:13:2x"), std::nullopt);
  EXPECT_EQ(Time("2023-1a-14 22:13:20"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14 22:13:20", "Europe/Paris"), (Instant{kT - 3600, 0}));
}

TEST(ParseDateTime, FractionalEpochSeconds) {
  EXPECT_EQ(Time("1700000000.25"), (Instant{kT, 250000000}));
}

TEST(ParseDateTime, ShortEpochNumbers) {
  EXPECT_EQ(Time("0"), (Instant{0, 0}));
  EXPECT_EQ(Time("86"), (Instant{86, 0}));
  EXPECT_EQ(Time("2023"), (Instant{2023, 0}));  // four digits and nothing else: seconds
}

TEST(ParseDateTime, NegativeEpochRejected) {
  EXPECT_EQ(Time("-1"), std::nullopt);
}

TEST(ParseDateTime, EpochWithGarbageRejected) {
  EXPECT_EQ(Time("17e8"), std::nullopt);
  EXPECT_EQ(Time("1700000000.2x"), std::nullopt);
  EXPECT_EQ(Time(""), std::nullopt);
}

TEST(ParseDateTime, DateOnlyIsMidnight) {
  EXPECT_EQ(Time("2023-11-14"), (Instant{kT - (22 * 3600 + 13 * 60 + 20), 0}));
}

TEST(ParseDateTime, SpaceSeparated) {
  EXPECT_EQ(Time("2023-11-14 22:13:20"), (Instant{kT, 0}));
}

TEST(ParseDateTime, FixedShapeFastPathChecksEveryField) {
  // "YYYY-MM-DD hh:mm:ss" (19 characters) is read at fixed places; it must reject what the
  // general path rejects.
  EXPECT_EQ(Time("2023-11-14T22:13:20"), (Instant{kT, 0}));
  EXPECT_EQ(Time("2024-02-29 00:00:00"), (Instant{1709164800, 0}));
  EXPECT_EQ(Time("2023-02-29 00:00:00"), std::nullopt);
  EXPECT_EQ(Time("2023-13-01 00:00:00"), std::nullopt);
  EXPECT_EQ(Time("2023-00-01 00:00:00"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14 24:00:00"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14 22:60:00"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14 2a:13:20"), std::nullopt);
  EXPECT_EQ(Time("2023/11-14 22:13:20"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14_22:13:20"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14 22:13:20", "Europe/Berlin"), (Instant{kT - 3600, 0}));
  // Far from the epoch the seconds do not fit 32 bits (found by the fuzz target).
  EXPECT_EQ(Time("1011-11-14 22:13:20"), (Instant{-30235686400, 0}));
  EXPECT_EQ(Time("9999-12-31 23:59:59"), (Instant{253402300799, 0}));
}

TEST(ParseDateTime, WithoutSeconds) {
  EXPECT_EQ(Time("2023-11-14 22:13"), (Instant{kT - 20, 0}));
}

TEST(ParseDateTime, FractionDigits) {
  EXPECT_EQ(Time("2023-11-14 22:13:20.978"), (Instant{kT, 978000000}));
  EXPECT_EQ(Time("2023-11-14 22:13:20.000000001"), (Instant{kT, 1}));
  EXPECT_EQ(Time("2023-11-14 22:13:20.1234567891"), (Instant{kT, 123456789}));  // truncated
}

TEST(ParseDateTime, EmptyFractionRejected) {
  EXPECT_EQ(Time("2023-11-14 22:13:20."), std::nullopt);
}

TEST(ParseDateTime, IsoZulu) {
  EXPECT_EQ(Time("2023-11-14T22:13:20Z"), (Instant{kT, 0}));
}

TEST(ParseDateTime, IsoWithOffsets) {
  EXPECT_EQ(Time("2023-11-15T00:13:20.978+02:00"), (Instant{kT, 978000000}));
  EXPECT_EQ(Time("2023-11-15T00:13:20+0200"), (Instant{kT, 0}));
  EXPECT_EQ(Time("2023-11-14T17:13:20-05:00"), (Instant{kT, 0}));
  EXPECT_EQ(Time("2023-11-15T03:43:20+05:30"), (Instant{kT, 0}));
}

TEST(ParseDateTime, OffsetOverridesTheZone) {
  EXPECT_EQ(Time("2023-11-14T22:13:20Z", "Asia/Tokyo"), (Instant{kT, 0}));
}

TEST(ParseDateTime, NaiveTextIsLocalToTheZone) {
  EXPECT_EQ(Time("2023-11-15 07:13:20", "Asia/Tokyo"), (Instant{kT, 0}));
  EXPECT_EQ(Time("2023-11-14 17:13:20", "America/New_York"), (Instant{kT, 0}));  // EST
  EXPECT_EQ(Time("2023-07-01 00:00:00", "America/New_York"),
            (Instant{1688184000, 0}));  // EDT: 04:00 UTC
}

TEST(ParseDateTime, LeapDay) {
  EXPECT_EQ(Time("2024-02-29 00:00:00"), (Instant{1709164800, 0}));
  EXPECT_EQ(Time("2000-02-29"), (Instant{951782400, 0}));
}

TEST(ParseDateTime, InvalidCalendarDatesRejected) {
  EXPECT_EQ(Time("2023-02-29"), std::nullopt);
  EXPECT_EQ(Time("2023-02-30 00:00:00"), std::nullopt);
  EXPECT_EQ(Time("1900-02-29"), std::nullopt);
  EXPECT_EQ(Time("2023-13-01"), std::nullopt);
  EXPECT_EQ(Time("2023-00-10"), std::nullopt);
  EXPECT_EQ(Time("2023-04-31"), std::nullopt);
  EXPECT_EQ(Time("2023-01-00"), std::nullopt);
}

TEST(ParseDateTime, InvalidTimesRejected) {
  EXPECT_EQ(Time("2023-11-14 24:00:00"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14 23:60:00"), std::nullopt);
  EXPECT_EQ(Time("2023-11-14 23:59:61"), std::nullopt);
}

TEST(ParseDateTime, MalformedTextRejected) {
  for (const char* s : {"2023-11", "2023-11-1", "2023/11/14", "2023-11-14X22:13:20",
                        "2023-11-14 22", "2023-11-14 22:1", "2023-11-14 22:13:20 ",
                        "2023-11-14T22:13:20+", "2023-11-14T22:13:20+02:0", "2023-11-14T22:13:20Zx",
                        "2023-11-14T22:13:20UTC", "abcd-ef-gh"})
    EXPECT_EQ(Time(s), std::nullopt) << s;
}

// --- ParseDecimal --------------------------------------------------------------------------------

TEST(ParseDecimal, ScalesTheValue) {
  EXPECT_EQ(Dec("1", 9, 2), "100");
  EXPECT_EQ(Dec("1.5", 9, 2), "150");
  EXPECT_EQ(Dec("0.1", 18, 4), "1000");
  EXPECT_EQ(Dec(".5", 9, 2), "50");
  EXPECT_EQ(Dec("7.", 9, 2), "700");
}

TEST(ParseDecimal, Negative) {
  EXPECT_EQ(Dec("-1.25", 9, 2), "-125");
  EXPECT_EQ(Dec("-0.0001", 18, 4), "-1");
  EXPECT_EQ(Dec("+3", 9, 0), "3");
}

TEST(ParseDecimal, ExtraFractionDigitsAreTruncated) {
  EXPECT_EQ(Dec("1.239", 9, 2), "123");
  EXPECT_EQ(Dec("-1.239", 9, 2), "-123");
}

TEST(ParseDecimal, Exponents) {
  EXPECT_EQ(Dec("1.5e3", 18, 4), "15000000");
  EXPECT_EQ(Dec("1.5E3", 18, 4), "15000000");
  EXPECT_EQ(Dec("15e-1", 9, 2), "150");
  EXPECT_EQ(Dec("1.5e-2", 9, 4), "150");
  EXPECT_EQ(Dec("1e-5", 9, 4), "0");
  EXPECT_EQ(Dec("2e+2", 9, 0), "200");
}

TEST(ParseDecimal, MalformedExponentRejected) {
  EXPECT_EQ(Dec("1e", 9, 2), "rejected");
  EXPECT_EQ(Dec("1e+", 9, 2), "rejected");
  EXPECT_EQ(Dec("1e1.5", 9, 2), "rejected");
  EXPECT_EQ(Dec("1e999", 9, 2), "rejected");
}

TEST(ParseDecimal, LeadingZerosDoNotCountAsDigits) {
  EXPECT_EQ(Dec("0000000000001.5", 3, 1), "15");
}

TEST(ParseDecimal, TooManyDigitsRejected) {
  EXPECT_EQ(Dec("9999999.99", 9, 2), "999999999");
  EXPECT_EQ(Dec("10000000", 9, 2), "rejected");
  EXPECT_EQ(Dec("1e7", 9, 2), "rejected");
  EXPECT_EQ(Dec("99999999999999.9999", 18, 4), "999999999999999999");
  EXPECT_EQ(Dec("100000000000000", 18, 4), "rejected");
}

TEST(ParseDecimal, SixtyFourBitPathChecksThePrecision) {
  // Up to 18 kept digits take the 64-bit path; the precision still bounds them.
  EXPECT_EQ(Dec("1234567890123.4567", 17, 4), "12345678901234567");
  EXPECT_EQ(Dec("12345678901234.5678", 17, 4), "rejected");
  EXPECT_EQ(Dec("-12345678901234.5678", 18, 4), "-123456789012345678");
  EXPECT_EQ(Dec("0.00000000000000001", 18, 17), "1");
  EXPECT_EQ(Dec("999.99", 5, 2), "99999");
  EXPECT_EQ(Dec("1000.00", 5, 2), "rejected");
}

TEST(ParseDecimal, OnePassShapeAgreesWithTheGeneralPath) {
  // 18 whole digits fit the one-pass path; 19 and more, or an exponent, take the general one.
  EXPECT_EQ(Dec("123456789012345678", 38, 0), "123456789012345678");
  EXPECT_EQ(Dec("1234567890123456789", 38, 0), "1234567890123456789");
  EXPECT_EQ(Dec("9999999999999999999", 19, 0), "9999999999999999999");
  EXPECT_EQ(Dec("00000000000000000000001.25", 9, 2), "125");
  EXPECT_EQ(Dec("+0.5", 9, 2), "50");
  EXPECT_EQ(Dec(".", 9, 2), "rejected");
  EXPECT_EQ(Dec("-", 9, 2), "rejected");
  EXPECT_EQ(Dec("1.2.3", 9, 2), "rejected");
  EXPECT_EQ(Dec("1.5x", 9, 2), "rejected");
  EXPECT_EQ(Dec("12.3456789", 18, 4), "123456");
  EXPECT_EQ(Dec("-12.3456789", 18, 4), "-123456");
  EXPECT_EQ(Dec("99999.999", 7, 2), "9999999");
  EXPECT_EQ(Dec("100000", 7, 2), "rejected");
}

TEST(ParseDecimal, Precision38) {
  EXPECT_EQ(Dec("99999999999999999999999999999999999999", 38, 0),
            "99999999999999999999999999999999999999");
  EXPECT_EQ(Dec("100000000000000000000000000000000000000", 38, 0), "rejected");
}

TEST(ParseDecimal, GarbageRejected) {
  for (const char* s : {"", "-", "+", ".", "1.2.3", "1,5", "abc", " 1", "1 ", "--1", "0x10", "nan"})
    EXPECT_EQ(Dec(s, 9, 2), "rejected") << "'" << s << "'";
}

}  // namespace
}  // namespace sluice
