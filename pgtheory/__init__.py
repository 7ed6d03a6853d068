"""pgtheory: the mathematics behind the policy gradient theorem, in numpy.

Finite-horizon tabular MDPs, softmax policies, exact objectives and gradients
by backward induction, brute-force enumeration for tiny MDPs, Monte Carlo
gradient estimators with variance reduction, and REINFORCE.

Time index convention: the book counts steps t = 1..H; arrays count 0..H-1.

Usage::

    import pgtheory as pg
    mdp = pg.chain_mdp()
    theta = np.zeros((mdp.n_states, mdp.n_actions))
    pg.exact_gradient(mdp, theta)
"""

from .baselines import (
    exact_step_baseline_moments,
    optimal_baseline_batch_means,
    step_baseline_gradients,
    total_variance,
)
from .deterministic_policies import (
    DeterministicPolicy,
    best_deterministic_policy,
    deterministic_logits,
)
from .enumeration import (
    MAX_TRAJECTORIES,
    enumerate_trajectories,
    expected_return_by_enumeration,
    trajectory_log_prob,
)
from .episodes import Episodes, leave_one_out_mean, length_mask, reward_to_go
from .estimate_pools import EstimatePool, block_means
from .estimators import (
    GradientEstimate,
    episode_gradients,
    exact_estimator_mean,
    exact_estimator_variance,
    gradient_estimate,
    gradient_samples,
    leave_one_out_optimal_baseline,
    optimal_baseline,
)
from .exact import (
    TrainingHistory,
    exact_gradient,
    exact_gradient_ascent,
    expected_return,
    state_distributions,
    value_functions,
)
from .factorization import trajectory_log_prob_terms
from .finite_differences import finite_difference_gradient
from .gaussian_bandit import (
    GaussianBandit,
    gaussian_exact_gradient,
    gaussian_expected_return,
    gaussian_reparam_samples,
    gaussian_reparam_variance,
    gaussian_score_samples,
    gaussian_score_variance,
)
from .gaussian_policy import (
    gaussian_log_density,
    gaussian_log_prob_grad,
    linear_gaussian_log_prob,
    linear_gaussian_log_prob_grad,
)
from .linear_policy import (
    add_bias,
    episodic_gradient,
    linear_episode_gradients,
    linear_log_probs,
    linear_softmax_probs,
    linear_step_scores,
    masked_step_weights,
    sample_linear_actions,
)
from .lqr import (
    LQR,
    lqr_cost,
    lqr_gradient,
    lqr_state_covariance,
    lqr_state_covariances,
    lqr_value_matrix,
)
from .lqr_estimators import (
    LQRTrajectories,
    lqr_episode_gradients,
    lqr_gradient_samples,
    lqr_one_step_score_variance,
    sample_lqr_trajectories,
)
from .lqr_reinforce import LQRTrainingHistory, lqr_gradient_descent, lqr_reinforce
from .lqr_riccati import lqr_optimal_gain
from .lyapunov import MAX_LYAPUNOV_DIM, discrete_lyapunov, spectral_radius
from .mdp import TabularMDP, bandit, chain_mdp, random_mdp
from .policy import log_policy_grad, log_softmax_policy, score, softmax_policy
from .reinforce import reinforce
from .sampling import Trajectories, sample_trajectories
from .surrogate import (
    angle_between,
    importance_sampled_gradient,
    importance_sampled_return,
    surrogate_gradient,
    surrogate_loss,
    surrogate_weights,
)

# isort: split
# discounted infinite-horizon objective, short corridor, feature policies (book/discounted)
from .discounted import (
    biased_discounted_gradient,
    discounted_gradient,
    discounted_return,
    discounted_values,
    discounted_visitation,
    terminal_states,
    termination_tail,
)
from .discounted_samples import (
    EpisodicGradientSamples,
    dropped_factor_samples,
    geometric_stopping_samples,
)
from .features import (
    feature_expected_return,
    feature_gradient,
    feature_logits,
    feature_reinforce,
)
from .mdp import short_corridor

# isort: split
# what common code computes: pooled steps, batch-dependent weights, time limits
# (book/other_code)
from .batch_estimators import (
    batch_gradient,
    batch_gradient_samples,
    episode_lengths,
    exact_pooled_step_mean,
    expected_episode_length,
)
from .batch_weighting import exact_batch_mean, exact_batch_variance
from .mdp import stop_or_continue
from .time_limits import (
    time_limit_gradient,
    time_limit_returns,
    time_limit_samples,
    time_limit_weight_bias,
)

__all__ = [
    # mdp
    "TabularMDP",
    "bandit",
    "chain_mdp",
    "random_mdp",
    # policy
    "log_softmax_policy",
    "softmax_policy",
    "log_policy_grad",
    "score",
    # exact
    "value_functions",
    "expected_return",
    "state_distributions",
    "exact_gradient",
    "exact_gradient_ascent",
    "TrainingHistory",
    # enumeration
    "MAX_TRAJECTORIES",
    "enumerate_trajectories",
    "trajectory_log_prob",
    "expected_return_by_enumeration",
    # factorization
    "trajectory_log_prob_terms",
    # episodes
    "Episodes",
    "length_mask",
    "leave_one_out_mean",
    "reward_to_go",
    # sampling
    "Trajectories",
    "sample_trajectories",
    # estimators
    "episode_gradients",
    "gradient_samples",
    "gradient_estimate",
    "GradientEstimate",
    "optimal_baseline",
    "leave_one_out_optimal_baseline",
    "exact_estimator_mean",
    "exact_estimator_variance",
    # estimate pools (the N explorer)
    "EstimatePool",
    "block_means",
    # baselines
    "step_baseline_gradients",
    "exact_step_baseline_moments",
    "optimal_baseline_batch_means",
    "total_variance",
    # reinforce
    "reinforce",
    # surrogate loss (the JAX side is pgtheory.autodiff, not imported here)
    "surrogate_weights",
    "surrogate_loss",
    "surrogate_gradient",
    "importance_sampled_return",
    "importance_sampled_gradient",
    "angle_between",
    # deterministic policies
    "DeterministicPolicy",
    "best_deterministic_policy",
    "deterministic_logits",
    # finite differences
    "finite_difference_gradient",
    # Gaussian bandit (book/likelihood_ratio)
    "GaussianBandit",
    "gaussian_expected_return",
    "gaussian_exact_gradient",
    "gaussian_score_samples",
    "gaussian_reparam_samples",
    "gaussian_score_variance",
    "gaussian_reparam_variance",
    # linear softmax policy (book/cartpole; the gymnasium parts live in pgtheory.gym_env and
    # pgtheory.cartpole and are not imported here, since gymnasium is optional)
    "add_bias",
    "linear_log_probs",
    "linear_softmax_probs",
    "linear_step_scores",
    "sample_linear_actions",
    "masked_step_weights",
    "linear_episode_gradients",
    "episodic_gradient",
    # discounted infinite-horizon objective, short corridor, feature policies
    # (book/discounted)
    "short_corridor",
    "terminal_states",
    "discounted_values",
    "discounted_visitation",
    "discounted_return",
    "discounted_gradient",
    "biased_discounted_gradient",
    "termination_tail",
    "EpisodicGradientSamples",
    "geometric_stopping_samples",
    "dropped_factor_samples",
    "feature_logits",
    "feature_expected_return",
    "feature_gradient",
    "feature_reinforce",
    # Gaussian policies and the LQR (book/lqr)
    "gaussian_log_density",
    "gaussian_log_prob_grad",
    "linear_gaussian_log_prob",
    "linear_gaussian_log_prob_grad",
    "LQR",
    "lqr_cost",
    "lqr_gradient",
    "lqr_optimal_gain",
    "lqr_state_covariance",
    "lqr_state_covariances",
    "lqr_value_matrix",
    "LQRTrajectories",
    "sample_lqr_trajectories",
    "lqr_episode_gradients",
    "lqr_gradient_samples",
    "lqr_one_step_score_variance",
    "LQRTrainingHistory",
    "lqr_reinforce",
    "lqr_gradient_descent",
    "MAX_LYAPUNOV_DIM",
    "discrete_lyapunov",
    "spectral_radius",
    # what common code computes (book/other_code)
    "stop_or_continue",
    "episode_lengths",
    "expected_episode_length",
    "batch_gradient",
    "batch_gradient_samples",
    "exact_pooled_step_mean",
    "exact_batch_mean",
    "exact_batch_variance",
    "time_limit_returns",
    "time_limit_weight_bias",
    "time_limit_gradient",
    "time_limit_samples",
]
