// LOLWUT [VERSION version] [arg ...]: a small generative drawing, then the version line.
//
// Redis 7.0 draws art for VERSION 5 and 6 and answers only "Redis ver. x.y.z" otherwise.
// Cinnabar draws its own pictures in the same places, with the same parameters, bounds and
// errors, and ends them with "Cinnabar ver. x.y.z" where Redis prints its version:
//   VERSION 5 [columns [cells-per-row [cells-per-column]]]  (66, 8, 12): a lattice of
//     cinnabar crystals, rhombs that crack and drift further down the page;
//   VERSION 6 [columns [rows]]  (80, 20): strata of ore, layered bands of shading that
//     wander from column to column.
// The pictures are random but seeded from their parameters, so one call draws the same
// picture every time (tests can rely on its size, not its strokes).

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "commands/args.h"
#include "commands/families.h"
#include "engine/command_context.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
namespace errors = protocol::errors;

constexpr std::string_view kVersionLine = "Cinnabar ver. " CINNABAR_VERSION;

// A small deterministic generator (xorshift64*), seeded per picture.
class Dice {
 public:
  explicit Dice(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  double Unit() {  // [0, 1)
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return static_cast<double>((s_ * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
  }

 private:
  uint64_t s_;
};

int64_t Clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

// Parses optional integer arguments into `out` (defaults kept); false on a bad one.
bool ParseParams(std::span<const std::string_view> args, std::span<int64_t> out) {
  for (size_t i = 0; i < out.size() && i < args.size(); ++i) {
    if (!base::ParseInt64(args[i], &out[i])) return false;
  }
  return true;
}

// VERSION 5: rows of rhombs; the lower the row, the more each one is shifted and broken.
std::string Crystals(int64_t columns, int64_t per_row, int64_t per_col) {
  const int64_t cell_w = std::max<int64_t>(2, columns / per_row);
  const int64_t cell_h = Clamp(cell_w / 2, 1, 8);
  const int64_t height = cell_h * per_col;
  std::vector<std::string> canvas(static_cast<size_t>(height), std::string(columns, ' '));
  Dice dice(static_cast<uint64_t>(columns * 1000003 + per_row * 1009 + per_col));
  auto plot = [&](int64_t x, int64_t y, char c) {
    if (x >= 0 && x < columns && y >= 0 && y < height) canvas[y][x] = c;
  };
  for (int64_t row = 0; row < per_col; ++row) {
    const double disorder = static_cast<double>(row) / static_cast<double>(per_col);
    for (int64_t col = 0; col < per_row; ++col) {
      const int64_t shift = std::lround((dice.Unit() - 0.5) * disorder * cell_w);
      const int64_t cx = col * cell_w + cell_w / 2 + shift;
      const int64_t top = row * cell_h;
      const int64_t half = std::max<int64_t>(1, cell_h / 2 + (cell_h % 2));
      for (int64_t k = 0; k < cell_h; ++k) {
        if (dice.Unit() < disorder * 0.35) continue;  // a crack
        const int64_t reach = k < half ? k : cell_h - 1 - k;
        const bool upper = k < half;
        plot(cx - 1 - reach, top + k, upper ? '/' : '\\');
        plot(cx + reach, top + k, upper ? '\\' : '/');
        if (cell_h == 1) plot(cx, top + k, '^');
      }
    }
  }
  std::string out;
  for (const std::string& line : canvas) out += line + "\n";
  return out;
}

// VERSION 6: bands of shading whose boundaries wander with a smoothed random walk.
std::string Strata(int64_t columns, int64_t rows) {
  static constexpr std::string_view kShades = " .:-=+*#%@";
  Dice dice(static_cast<uint64_t>(columns * 7919 + rows));
  std::vector<double> drift(static_cast<size_t>(columns));
  double walk = 0, velocity = 0;
  for (double& d : drift) {
    velocity = velocity * 0.8 + (dice.Unit() - 0.5) * 0.6;
    walk = walk * 0.97 + velocity;
    d = walk;
  }
  std::string out;
  out.reserve(static_cast<size_t>((columns + 1) * rows));
  for (int64_t y = 0; y < rows; ++y) {
    for (int64_t x = 0; x < columns; ++x) {
      const double depth = static_cast<double>(y) + drift[static_cast<size_t>(x)];
      const double band = 0.5 + 0.5 * std::sin(depth * 0.9 + std::sin(x * 0.05) * 1.5);
      const size_t shade = static_cast<size_t>(band * (kShades.size() - 1) + 0.5);
      out += kShades[std::min(shade, kShades.size() - 1)];
    }
    out += '\n';
  }
  return out;
}

// LOLWUT [VERSION version] [arg ...]
void Lolwut(CommandContext& ctx) {
  std::span<const std::string_view> args = ctx.args().subspan(1);
  int64_t version = 0;  // ours is neither 5 nor 6: only the version line
  if (args.size() >= 2 && Is(args[0], "VERSION")) {
    if (!base::ParseInt64(args[1], &version)) return ctx.ReplyError(errors::kNotInteger);
    args = args.subspan(2);
  }
  std::string text;
  if (version == 5) {
    int64_t p[] = {66, 8, 12};
    if (!ParseParams(args, p)) return ctx.ReplyError(errors::kNotInteger);
    text = Crystals(Clamp(p[0], 1, 1000), Clamp(p[1], 1, 200), Clamp(p[2], 1, 200));
    text += "\nCinnabar crystals, a lattice that breaks as it falls. ";
  } else if (version == 6) {
    int64_t p[] = {80, 20};
    if (!ParseParams(args, p)) return ctx.ReplyError(errors::kNotInteger);
    text = Strata(Clamp(p[0], 1, 1000), Clamp(p[1], 1, 1000));
    text += "\nStrata of ore, layer under layer. ";
  }
  text += kVersionLine;
  text += "\n";
  ctx.reply().Verbatim(text);
}

using engine::CommandSpec;
using engine::kFast;
using engine::kReadOnly;

constexpr CommandSpec kLolwutCommands[] = {
    {.name = "LOLWUT", .arity = -1, .flags = kReadOnly | kFast, .handler = Lolwut,
     .summary = "Draws a small generative picture and prints the server's version.",
     .since = "5.0.0", .complexity = "O(N) in the size of the picture"},
};

}  // namespace

void RegisterLolwutFamily(engine::Registry* r) { r->AddFamily(0, "server", kLolwutCommands); }

}  // namespace cinnabar::commands
