// low_level_loop: the training loop by hand, in the dfdx style of the second seed: forward, loss, backward,
// optimizer step, zero grads. The seed's 9-32-32-9 network (torchlab::rl::Mlp) learns a fixed map of 9 features
// to 9 values from SAMPLES examples.
#include <torch/torch.h>

#include <cstdio>
#include <vector>

#include "torchlab/rl/mlp.h"

constexpr int64_t N_FEATURES = 9;
constexpr int64_t N_ACTIONS = 9;
constexpr int64_t SAMPLES = 256;
constexpr int64_t TRAIN_STEPS = 500;
constexpr int64_t PRINT_EVERY = 100;
constexpr double LEARNING_RATE = 0.01;

int main() {
  torch::manual_seed(0);
  torchlab::rl::Mlp model(
      std::vector<int64_t>{N_FEATURES, 32, 32, N_ACTIONS});  // Linear-ReLU-Linear-ReLU-Linear: fc1, fc2, fc3
  torch::optim::Adam optimiser(model->parameters(), LEARNING_RATE);

  // Inputs in [-1, 1]; the outputs to learn mix the inputs linearly and through a product.
  torch::Tensor input = torch::rand({SAMPLES, N_FEATURES}) * 2 - 1;
  torch::Tensor output = input.flip(1) * 0.5 + input * input.roll(1, 1);

  for (int64_t step = 1; step <= TRAIN_STEPS; ++step) {
    // Forward: the prediction, with the graph that backward walks.
    torch::Tensor predicted = model->forward(input);
    // Loss: mean squared error against the wanted outputs.
    torch::Tensor loss = torch::mse_loss(predicted, output);
    // Backward: d loss / d parameter, accumulated into each parameter's .grad().
    loss.backward();
    // Update the parameters against their gradients.
    optimiser.step();
    // Clear the gradients for the next iteration (they accumulate otherwise).
    optimiser.zero_grad();
    if (step == 1 || step % PRINT_EVERY == 0)
      std::printf("step %4lld  loss %.6f\n", static_cast<long long>(step), loss.item<double>());
  }
}
