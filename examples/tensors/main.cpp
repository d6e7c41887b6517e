// tensors: the first example of tch-rs's README in C++. An int32 tensor doubled, printed by libtorch:
//   6 2 8 2 10 down a column, then its type, [ CPUIntType{5} ].
#include <torch/torch.h>

#include <iostream>

int main() {
  torch::Tensor t = torch::tensor({3, 1, 4, 1, 5}, torch::kInt);  // tch: Tensor::of_slice(&[3, 1, 4, 1, 5])
  t = t * 2;
  std::cout << t << std::endl;  // tch: t.print()
}
