#include "commands/arg_parser.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

namespace errors = protocol::errors;
using Args = std::vector<std::string_view>;

TEST(ArgParser, ReadsOptionsStraightDown) {
  Args args = {"SCAN", "0", "match", "a*", "COUNT", "5"};
  ArgParser p(args, 2);
  std::string_view pattern;
  int64_t count = 0;
  while (p.HasNext()) {
    if (p.Check("MATCH", 1)) {
      pattern = p.Next();
    } else if (p.Check("COUNT", 1)) {
      count = p.NextInt64(1, INT64_MAX, errors::kSyntax);
    } else {
      p.Fail(errors::kSyntax);
    }
  }
  EXPECT_TRUE(p.Finalize());
  EXPECT_EQ(pattern, "a*");
  EXPECT_EQ(count, 5);
}

TEST(ArgParser, CheckMatchesUpToANul) {
  std::string_view nx("NX\0junk", 7);
  Args args = {nx};
  ArgParser p(args);
  EXPECT_FALSE(p.Check("XX"));
  EXPECT_TRUE(p.Check("nx"));
  EXPECT_TRUE(p.Finalize());
}

TEST(ArgParser, CheckWithValuesNeedsThemPresent) {
  Args args = {"COUNT"};
  ArgParser p(args);
  EXPECT_FALSE(p.Check("COUNT", 1));
  EXPECT_EQ(p.pos(), 0u);
  EXPECT_FALSE(p.Finalize());
  EXPECT_EQ(p.error(), errors::kSyntax);
}

TEST(ArgParser, FirstErrorWins) {
  Args args = {"abc", "0", "x"};
  ArgParser p(args);
  EXPECT_EQ(p.NextInt64(), 0);
  EXPECT_EQ(p.error(), errors::kNotInteger);
  EXPECT_EQ(p.NextInt64(1, 10, errors::kSyntax), 0);
  p.Fail(errors::kWrongType);
  EXPECT_FALSE(p.HasNext());
  EXPECT_FALSE(p.Finalize());
  EXPECT_EQ(p.error(), errors::kNotInteger);
}

TEST(ArgParser, TypedReads) {
  Args args = {"0", "7", "1.5", "nan?", "max", "avg"};
  ArgParser p(args);
  EXPECT_EQ(p.NextInt64(1, 10, errors::kSyntax), 0);
  EXPECT_EQ(p.error(), errors::kSyntax);

  ArgParser q(args, 1);
  EXPECT_EQ(q.NextInt64Or(errors::kCountPositive, 1), 7);
  EXPECT_EQ(q.NextDouble(), 1.5);
  EXPECT_FALSE(q.HasError());
  q.NextDouble(errors::kWeightNotFloat);
  EXPECT_EQ(q.error(), errors::kWeightNotFloat);

  static constexpr std::string_view kWords[] = {"SUM", "MIN", "MAX"};
  ArgParser r(args, 4);
  EXPECT_EQ(r.NextEnum(kWords), 2u);
  r.NextEnum(kWords);
  EXPECT_EQ(r.error(), errors::kSyntax);
}

TEST(ArgParser, NextAtTheEndIsASyntaxError) {
  Args args = {"a"};
  ArgParser p(args);
  EXPECT_EQ(p.Next(), "a");
  EXPECT_EQ(p.Next(), "");
  EXPECT_EQ(p.error(), errors::kSyntax);
  ArgParser s(args);
  s.Skip(5);
  EXPECT_EQ(s.Remaining(), 0u);
  EXPECT_TRUE(s.Finalize());
}

}  // namespace
}  // namespace cinnabar::commands
