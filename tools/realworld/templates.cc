// Template-heavy translation unit for the real-world check
// (docs/realworld-check.md): g++ -O2 -c spends its time instantiating and
// optimising many std:: containers and algorithms over distinct element
// types, variadic recursion and constexpr evaluation. REALWORLD_WIDTH (the
// number of distinct element types, default 6) scales the compile time.
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#ifndef REALWORLD_WIDTH
#define REALWORLD_WIDTH 6
#endif

namespace rw {

// Compile-time work: a constexpr sieve and a recursive template sum.
constexpr std::array<bool, 4000> Sieve() {
  std::array<bool, 4000> composite{};
  for (std::size_t i = 2; i < composite.size(); ++i)
    if (!composite[i])
      for (std::size_t j = i * i; j < composite.size(); j += i) composite[j] = true;
  return composite;
}
constexpr auto kSieve = Sieve();

template <int N>
struct Fib {
  static constexpr std::uint64_t value = Fib<N - 1>::value + Fib<N - 2>::value;
};
template <>
struct Fib<0> {
  static constexpr std::uint64_t value = 0;
};
template <>
struct Fib<1> {
  static constexpr std::uint64_t value = 1;
};

template <typename... Ts>
struct TypeList {};

template <typename List, typename T>
struct Append;
template <typename... Ts, typename T>
struct Append<TypeList<Ts...>, T> {
  using type = TypeList<Ts..., T>;
};

template <int N>
struct Build {
  using type = typename Append<typename Build<N - 1>::type, std::integral_constant<int, N>>::type;
};
template <>
struct Build<0> {
  using type = TypeList<>;
};

template <typename... Ts>
constexpr int SumOf(TypeList<Ts...>) {
  return (0 + ... + Ts::value);
}

// A distinct element type per N, so every algorithm is instantiated anew.
template <int N>
struct Item {
  std::string name;
  std::int64_t key;
  double weight;
  std::vector<int> tags;
  bool operator<(const Item& o) const { return std::tie(key, name, weight) < std::tie(o.key, o.name, o.weight); }
  bool operator==(const Item& o) const { return key == o.key && name == o.name; }
};

template <int N>
struct ItemHash {
  std::size_t operator()(const Item<N>& i) const {
    return std::hash<std::string>()(i.name) ^ (std::hash<std::int64_t>()(i.key) << 1);
  }
};

template <int N>
using Value = std::variant<int, double, std::string, Item<N>, std::vector<Item<N>>>;

template <int N>
std::int64_t Exercise(std::int64_t seed) {
  std::vector<Item<N>> items;
  for (std::int64_t i = 0; i < 64; ++i)
    items.push_back({std::to_string(seed * i), seed ^ i, double(i) / (N + 1), {int(i), N}});
  std::sort(items.begin(), items.end());
  std::stable_sort(items.begin(), items.end(), [](const Item<N>& a, const Item<N>& b) { return a.weight > b.weight; });
  std::map<std::string, Item<N>> by_name;
  std::set<Item<N>> ordered(items.begin(), items.end());
  std::unordered_map<Item<N>, int, ItemHash<N>> counts;
  for (const auto& it : items) {
    by_name.emplace(it.name, it);
    ++counts[it];
  }
  std::vector<Value<N>> values;
  for (const auto& it : ordered) values.emplace_back(it);
  values.emplace_back(items);
  values.emplace_back(std::string("x"));
  std::int64_t acc = 0;
  for (const auto& v : values)
    acc += std::visit(
        [](const auto& x) -> std::int64_t {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, int>) return x;
          else if constexpr (std::is_same_v<T, double>) return std::int64_t(x);
          else if constexpr (std::is_same_v<T, std::string>) return std::int64_t(x.size());
          else if constexpr (std::is_same_v<T, Item<N>>) return x.key;
          else return std::int64_t(x.size());
        },
        v);
  auto part = std::partition(items.begin(), items.end(), [](const Item<N>& i) { return i.key % 2 == 0; });
  acc += std::accumulate(items.begin(), part, std::int64_t{0},
                         [](std::int64_t s, const Item<N>& i) { return s + i.key; });
  std::nth_element(items.begin(), items.begin() + 10, items.end());
  acc += std::count_if(by_name.begin(), by_name.end(), [](const auto& kv) { return kv.second.weight > 0.5; });
  return acc + std::int64_t(counts.size()) + Fib<40 + N % 40>::value % 1000 +
         SumOf(typename Build<20 + N % 20>::type{}) + kSieve[N];
}

template <std::size_t... Ns>
std::int64_t ExerciseAll(std::int64_t seed, std::index_sequence<Ns...>) {
  return (Exercise<int(Ns)>(seed + std::int64_t(Ns)) + ...);
}

}  // namespace rw

std::int64_t RealworldEntry(std::int64_t seed) {
  return rw::ExerciseAll(seed, std::make_index_sequence<REALWORLD_WIDTH>{});
}
