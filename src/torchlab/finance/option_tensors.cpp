#include "torchlab/finance/option_tensors.h"

#include <torch/torch.h>

namespace torchlab::finance {

OptionTensors OptionTensors::slice(int64_t begin, int64_t end) const {
  auto s = [&](const torch::Tensor& t) { return t.narrow(0, begin, end - begin); };
  return {model, s(underlying), s(strike), s(vol), s(time), s(rate), s(dividend), s(sign)};
}

OptionTensors OptionTensors::to(const torch::Device& d) const {
  auto m = [&](const torch::Tensor& t) { return t.to(d); };
  return {model, m(underlying), m(strike), m(vol), m(time), m(rate), m(dividend), m(sign)};
}

OptionTensors OptionTensors::contiguous() const {
  auto c = [](const torch::Tensor& t) { return t.contiguous(); };
  return {model, c(underlying), c(strike), c(vol), c(time), c(rate), c(dividend), c(sign)};
}

OptionTensors to_tensors(Model model, const std::vector<Option>& options, const torch::Device& device) {
  const auto n = static_cast<int64_t>(options.size());
  auto cols = torch::empty({7, n}, torch::kFloat64);
  auto a = cols.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const auto& o = options[i];
    a[0][i] = o.underlying;
    a[1][i] = o.strike;
    a[2][i] = o.vol;
    a[3][i] = o.time;
    a[4][i] = o.rate;
    a[5][i] = model == Model::bsm ? o.dividend : 0.0;
    a[6][i] = o.put ? -1.0 : 1.0;
  }
  cols = cols.to(device);
  return {model, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6]};
}

Option option_at(const OptionTensors& b, int64_t i) {
  auto v = [&](const torch::Tensor& t) { return t[i].item<double>(); };
  Option o;
  o.model = b.model;
  o.underlying = v(b.underlying);
  o.strike = v(b.strike);
  o.vol = v(b.vol);
  o.time = v(b.time);
  o.rate = v(b.rate);
  o.dividend = v(b.dividend);
  o.put = v(b.sign) < 0;
  return o;
}

OptionTensors random_options(Model model, int64_t n, const torch::Device& device) {
  const auto f64 = torch::dtype(torch::kFloat64);
  auto uniform = [&](double lo, double hi) { return torch::rand({n}, f64) * (hi - lo) + lo; };
  OptionTensors b;
  b.model = model;
  b.underlying = uniform(50, 150);
  b.strike = b.underlying * torch::exp(uniform(-0.4, 0.4));
  b.vol = uniform(0.05, 0.8);
  b.time = uniform(0.05, 3);
  b.rate = uniform(-0.01, 0.08);
  b.dividend = model == Model::bsm ? uniform(0, 0.05) : torch::zeros({n}, f64);
  b.sign = torch::where(torch::rand({n}, f64) < 0.5, 1.0, -1.0).to(torch::kFloat64);
  return b.to(device);
}

}  // namespace torchlab::finance
