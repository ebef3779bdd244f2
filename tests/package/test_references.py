"""Which test checks each public function and class of ``ddl`` against an independent reference.

An independent reference is something the package did not compute: torch (autograd,
``torch.nn.functional``, ``torch.optim``), scikit-learn, scipy, sympy (the equation registry,
which parses each labelled equation of the posts), numpy written out in the test from the
definition, values worked by hand, or the central differences of ``finite_differences.py``
(not ``ddl.gradcheck``, which is the package's own checker).

``REFERENCES`` maps every public name, as ``"module.name"``, either to the tests that check it
(pytest node ids relative to ``tests/package``; ``../equations/...`` ids name a check of the
equation registry) and a short phrase naming the reference, or to :class:`NotNumerical` with the
reason it has no numbers to check.  The tests below fail when the table and the package drift
apart: a public name missing from the table, a name that no longer exists, or a listed test
that does not exist.  They never run the listed tests.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import ddl

HERE = Path(__file__).resolve().parent
EQUATIONS = HERE.parent / "equations"


@dataclass(frozen=True)
class Checked:
    tests: tuple[str, ...]
    reference: str


@dataclass(frozen=True)
class NotNumerical:
    reason: str


def checked(reference, *tests):
    return Checked(tuple(tests), reference)


def registry(label, function):
    """A check of the equation registry: the post's equation against ``function``."""
    return f"../equations/test_equations.py::test_equation_matches_function[{label}:{function}]"


ELEMENTWISE_TORCH = "test_activations.py::test_elementwise_derivative_matches_torch_autograd"
ELEMENTWISE_FD = "test_activations.py::test_elementwise_derivative_matches_central_differences"
METRICS_SKLEARN = "test_data_metrics.py::test_metrics_agree_with_scikit_learn"
NETWORK_TORCH = "test_network.py::test_gradients_agree_with_torch_autograd"
OPTIM_TORCH = "test_optimisers_torch.py::test_fifty_steps_match_torch_optim"
RECURRENT_TORCH = "test_recurrent.py::test_forward_and_gradients_match_torch"
CELL_TORCH = "test_independent_recurrent.py::test_one_step_matches_the_torch_cell"
PENALTY_TORCH = "test_regularisation.py::test_penalty_gradients_match_central_differences_and_torch"
LOSS_TORCH = "test_independent_losses.py::test_cost_and_gradient_functions_match_torch"
LOADERS = "test_independent_data.py::test_loaders_are_scikit_learns_data_transposed"
INIT_KS = "test_independent_initialisers.py::test_draws_are_normal_with_the_stated_spread"
INIT_TORCH = "test_independent_initialisers.py::test_draws_have_the_distribution_of_torch_init"

REFERENCES: dict[str, Checked | NotNumerical] = {
    # ---------------------------------------------------------------- activations
    "activations.identity": checked(
        "torch autograd; central differences", ELEMENTWISE_TORCH, ELEMENTWISE_FD
    ),
    "activations.identity_prime": checked(
        "torch autograd; central differences", ELEMENTWISE_TORCH, ELEMENTWISE_FD
    ),
    "activations.sigmoid": checked(
        "torch.sigmoid; the post's equation (sympy)",
        ELEMENTWISE_TORCH,
        registry("eq-sigmoid", "ddl.activations.sigmoid"),
    ),
    "activations.sigmoid_prime": checked(
        "torch autograd; central differences", ELEMENTWISE_TORCH, ELEMENTWISE_FD
    ),
    "activations.tanh": checked("torch.tanh", ELEMENTWISE_TORCH),
    "activations.tanh_prime": checked(
        "torch autograd; central differences", ELEMENTWISE_TORCH, ELEMENTWISE_FD
    ),
    "activations.relu": checked("torch.relu", ELEMENTWISE_TORCH),
    "activations.relu_prime": checked(
        "torch autograd; central differences", ELEMENTWISE_TORCH, ELEMENTWISE_FD
    ),
    "activations.leaky_relu": checked("torch leaky_relu", ELEMENTWISE_TORCH),
    "activations.leaky_relu_prime": checked(
        "torch autograd; central differences", ELEMENTWISE_TORCH, ELEMENTWISE_FD
    ),
    "activations.softmax": checked(
        "torch.softmax; the post's equation (sympy)",
        "test_independent_lookups.py::test_get_activation_by_name_matches_torch[softmax]",
        registry("eq-softmax", "ddl.activations.softmax"),
    ),
    "activations.softmax_backward": checked(
        "the full Jacobian a_i (δ_ij − a_j) in numpy",
        "test_activations.py::test_softmax_backward_is_the_jacobian_vector_product",
    ),
    "activations.Activation": checked(
        "central differences of each record's forward; torch autograd",
        "test_activations.py::test_activation_backward_matches_central_differences",
        "test_independent_lookups.py::test_get_activation_by_name_matches_torch",
    ),
    "activations.get_activation": checked(
        "each name against the torch function of that name",
        "test_independent_lookups.py::test_get_activation_by_name_matches_torch",
    ),
    # ---------------------------------------------------------------- cnn
    "cnn.small_cnn": checked(
        "torch.nn.functional conv2d/max_pool2d network; central differences",
        "test_cnn.py::test_whole_cnn_gradients_match_finite_differences_and_torch",
    ),
    # ---------------------------------------------------------------- conv
    "conv.conv_output_size": checked(
        "counting the filter's positions; torch conv2d output shapes",
        "test_conv.py::test_output_size_rule_every_setting",
        "test_conv.py::test_output_shape_matches_torch_and_the_rule",
    ),
    "conv.pad": checked(
        "torch.nn.functional.pad", "test_independent_conv.py::test_pad_matches_torch_pad"
    ),
    "conv.im2col": checked(
        "torch.nn.functional.unfold", "test_independent_conv.py::test_im2col_matches_torch_unfold"
    ),
    "conv.col2im": checked(
        "torch.nn.functional.fold; the adjoint identity",
        "test_independent_conv.py::test_col2im_matches_torch_fold",
        "test_independent_conv.py::test_col2im_is_the_adjoint_of_im2col",
    ),
    "conv.conv_forward": checked(
        "torch conv2d; scipy.signal.correlate",
        "test_conv.py::test_forward_matches_torch_conv2d",
        "test_conv.py::test_forward_matches_scipy_correlate",
    ),
    "conv.conv_backward": checked(
        "torch autograd of conv2d", "test_conv.py::test_backward_matches_torch_autograd"
    ),
    "conv.conv_backward_dX_full": checked(
        "torch autograd of conv2d; values by hand",
        "test_independent_conv.py::test_full_convolution_dX_matches_torch_autograd",
        "test_conv.py::test_full_convolution_dX_by_hand",
    ),
    "conv.Conv2D": checked(
        "central differences", "test_conv.py::test_backward_matches_finite_differences"
    ),
    # ---------------------------------------------------------------- data
    "data.load_regression": checked("scikit-learn load_diabetes", LOADERS),
    "data.load_binary": checked(
        "scikit-learn load_breast_cancer, target names",
        LOADERS,
        "test_independent_data.py::test_malignant_is_the_positive_class",
    ),
    "data.load_multiclass": checked("scikit-learn load_digits", LOADERS),
    "data.Dataset": checked(
        "numpy astype of each part",
        "test_independent_data.py::test_dataset_astype_converts_x_and_float_y_only",
    ),
    "data.train_val_test_split": checked(
        "the generator's own permutation, round(fraction · m)",
        "test_independent_data.py::test_split_takes_the_stated_proportions_in_the_generators_order",
        "test_data_metrics.py::test_split_is_a_random_partition_of_the_examples",
    ),
    "data.Standardiser": checked(
        "scikit-learn StandardScaler",
        "test_training_references.py::test_standardiser_matches_sklearn_standard_scaler",
        "test_independent_data.py::test_a_constant_feature_is_left_at_zero_like_scikit_learn",
    ),
    "data.standardise": checked(
        "mean and std of the training split in numpy",
        "test_data_metrics.py::test_standardiser_is_fitted_on_the_training_split_only",
    ),
    "data.one_hot": checked(
        "torch.nn.functional.one_hot; values by hand",
        "test_independent_data.py::test_one_hot_matches_torch",
        "test_data_metrics.py::test_one_hot",
    ),
    "data.minibatches": checked(
        "the generator's own permutation cut in order",
        "test_independent_data.py::test_minibatches_cut_the_generators_permutation_in_order",
        "test_independent_data.py::test_minibatches_shuffle_differently_every_epoch_and_none_is_one_batch",
        "test_data_metrics.py::test_minibatches_cover_every_example_once",
    ),
    # ---------------------------------------------------------------- gradcheck
    "gradcheck.numerical_gradient": checked(
        "the analytic derivative 3x²; finite_differences.py",
        "test_training.py::test_numerical_gradient_and_relative_error",
        "test_layers.py::test_package_gradcheck_agrees_with_the_independent_differences",
    ),
    "gradcheck.relative_error": checked(
        "values by hand; finite_differences.rel_error",
        "test_training.py::test_numerical_gradient_and_relative_error",
        "test_layers.py::test_package_gradcheck_agrees_with_the_independent_differences",
    ),
    "gradcheck.check_layer": checked(
        "(k − 1)/(k + 1) for a gradient scaled by k",
        "test_independent_regularisation.py::test_check_layer_reports_the_relative_error_of_a_known_mistake",
        "test_checks_reject_wrong_gradients.py::test_every_gradient_check_rejects_a_wrong_dense_backward",
    ),
    "gradcheck.check_network": checked(
        "relative error computed from torch autograd gradients",
        "test_independent_regularisation.py::test_check_network_reports_the_error_of_the_whole_gradient_vector",
        "test_checks_reject_wrong_gradients.py::test_every_gradient_check_rejects_a_wrong_dense_backward",
    ),
    # ---------------------------------------------------------------- graph
    "graph.unbroadcast": checked(
        "values by hand; torch broadcasting gradients",
        "test_graph.py::test_unbroadcast",
        "test_graph.py::test_binary_operations_broadcast_in_every_operand_order",
    ),
    "graph.Node": checked(
        "torch autograd of random expression graphs",
        "test_graph.py::test_random_expression_graphs_match_torch",
        "test_graph.py::test_functions_entry_by_entry",
    ),
    "graph.concat": checked(
        "torch.cat and autograd", "test_graph.py::test_concat_nodes_and_arrays"
    ),
    "graph.lstm_step_graph": checked(
        "central differences", "test_graph.py::test_lstm_graph_matches_finite_differences"
    ),
    # ---------------------------------------------------------------- initialisers
    "initialisers.fans": checked(
        "torch's fan computation; the definition",
        "test_independent_initialisers.py::test_fans_match_torch_and_the_definition",
        "test_layers.py::test_initialisers_have_the_stated_spread",
    ),
    "initialisers.zeros": checked(
        "numpy zeros",
        "test_independent_initialisers.py::test_zeros_and_dtypes",
        "test_layers.py::test_initialisers_have_the_stated_spread",
    ),
    "initialisers.small_random": checked(
        "scipy KS test against N(0, 0.01²)",
        INIT_KS,
        "test_layers.py::test_initialisers_have_the_stated_spread",
        registry("eq-init-small", "ddl.initialisers.small_random"),
    ),
    "initialisers.xavier": checked(
        "scipy KS test against N(0, 2/(fan_in + fan_out)); torch xavier_normal_",
        INIT_KS,
        INIT_TORCH,
        "test_independent_initialisers.py::test_entries_are_independent_across_positions",
        "test_layers.py::test_initialisers_have_the_stated_spread",
        registry("eq-init-xavier", "ddl.initialisers.xavier"),
    ),
    "initialisers.glorot": checked(
        "scipy KS test against N(0, 2/(fan_in + fan_out))",
        INIT_KS,
        "test_independent_initialisers.py::test_zeros_and_dtypes",
    ),
    "initialisers.he": checked(
        "scipy KS test against N(0, 2/fan_in); torch kaiming_normal_",
        INIT_KS,
        INIT_TORCH,
        "test_layers.py::test_initialisers_have_the_stated_spread",
        registry("eq-init-he", "ddl.initialisers.he"),
    ),
    "initialisers.get_initialiser": checked(
        "each name's spread from its rule",
        "test_independent_lookups.py::test_get_initialiser_by_name_has_that_spread",
        "test_independent_lookups.py::test_get_initialiser_passes_a_callable_through",
    ),
    # ---------------------------------------------------------------- layers
    "layers.check_input": NotNumerical(
        "validates an input's type, shape and dtype; computes nothing"
    ),
    "layers.Layer": checked(
        "the identity, by definition",
        "test_independent_training.py::test_the_base_layer_is_the_identity",
    ),
    "layers.Dense": checked(
        "central differences; torch autograd",
        "test_layers.py::test_dense_backward_matches_central_differences",
        NETWORK_TORCH,
    ),
    # ---------------------------------------------------------------- linear
    "linear.linear_forward": checked(
        "the registry's numpy formula; scikit-learn's layout",
        registry("eq-linear-regression", "ddl.linear.linear_forward"),
        "test_independent_losses.py::test_regression_costs_match_scikit_learn",
    ),
    "linear.logistic_forward": checked(
        "the registry's numpy formula; scipy expit",
        registry("eq-logistic-regression", "ddl.linear.logistic_forward"),
        "test_independent_losses.py::test_regression_costs_match_scikit_learn",
    ),
    "linear.linear_cost": checked(
        "scikit-learn mean_squared_error / 2",
        "test_independent_losses.py::test_regression_costs_match_scikit_learn",
    ),
    "linear.logistic_cost": checked(
        "scikit-learn log_loss",
        "test_independent_losses.py::test_regression_costs_match_scikit_learn",
    ),
    "linear.gradients": checked(
        "central differences", "test_linear.py::test_gradients_match_central_differences"
    ),
    "linear.LinearRegression": checked(
        "scikit-learn LinearRegression (least squares)",
        "test_linear.py::test_linear_regression_converges_to_least_squares_on_diabetes",
    ),
    "linear.LogisticRegression": checked(
        "scikit-learn LogisticRegression without penalty",
        "test_linear.py::test_logistic_regression_converges_to_maximum_likelihood",
    ),
    # ---------------------------------------------------------------- losses
    "losses.softplus": checked(
        "torch.logaddexp(0, z); the post's equation (sympy)",
        "test_independent_losses.py::test_softplus_and_logsumexp_match_torch",
        registry("eq-softplus", "ddl.losses.softplus"),
    ),
    "losses.logsumexp": checked(
        "torch.logsumexp; the post's equation",
        "test_independent_losses.py::test_softplus_and_logsumexp_match_torch",
        registry("eq-logsumexp", "ddl.losses.logsumexp"),
    ),
    "losses.mean_squared_error": checked(
        "torch mse_loss", LOSS_TORCH, registry("eq-mse", "ddl.losses.mean_squared_error")
    ),
    "losses.mean_squared_error_gradient": checked(
        "torch autograd; central differences; the post's equation",
        LOSS_TORCH,
        "test_losses.py::test_gradient_is_per_example_derivative_of_the_cost",
        registry("eq-mse-gradient", "ddl.losses.mean_squared_error_gradient"),
    ),
    "losses.binary_cross_entropy": checked(
        "torch binary_cross_entropy_with_logits",
        LOSS_TORCH,
        registry("eq-bce", "ddl.losses.binary_cross_entropy"),
    ),
    "losses.binary_cross_entropy_gradient": checked(
        "torch autograd; central differences; the post's equation",
        LOSS_TORCH,
        "test_losses.py::test_gradient_is_per_example_derivative_of_the_cost",
        registry("eq-bce-gradient", "ddl.losses.binary_cross_entropy_gradient"),
    ),
    "losses.categorical_cross_entropy": checked(
        "torch cross_entropy; the post's equation",
        LOSS_TORCH,
        NETWORK_TORCH,
        registry("eq-cce", "ddl.losses.categorical_cross_entropy"),
    ),
    "losses.categorical_cross_entropy_gradient": checked(
        "torch autograd; central differences; the post's equation",
        LOSS_TORCH,
        "test_losses.py::test_gradient_is_per_example_derivative_of_the_cost",
        registry("eq-cce-gradient", "ddl.losses.categorical_cross_entropy_gradient"),
    ),
    "losses.Loss": checked(
        "its default predict (the output) through a subclass",
        "test_independent_losses.py::test_loss_outputs_and_predictions_match_torch",
    ),
    "losses.MeanSquaredError": checked("torch; torch autograd", LOSS_TORCH, NETWORK_TORCH),
    "losses.BinaryCrossEntropy": checked(
        "torch BCEWithLogits; sigmoid and 0.5 threshold",
        LOSS_TORCH,
        "test_independent_losses.py::test_loss_outputs_and_predictions_match_torch",
        NETWORK_TORCH,
        "test_losses.py::test_gradient_is_per_example_derivative_of_the_cost",
    ),
    "losses.CategoricalCrossEntropy": checked(
        "torch cross_entropy; softmax and argmax",
        LOSS_TORCH,
        "test_independent_losses.py::test_loss_outputs_and_predictions_match_torch",
        NETWORK_TORCH,
        "test_losses.py::test_gradient_is_per_example_derivative_of_the_cost",
    ),
    "losses.get_loss": checked(
        "each name's cost against torch",
        "test_independent_lookups.py::test_get_loss_by_name_matches_torch",
    ),
    # ---------------------------------------------------------------- metrics
    "metrics.accuracy": checked("scikit-learn accuracy_score", METRICS_SKLEARN),
    "metrics.precision": checked("scikit-learn precision_score", METRICS_SKLEARN),
    "metrics.recall": checked("scikit-learn recall_score", METRICS_SKLEARN),
    "metrics.f1_score": checked("scikit-learn f1_score", METRICS_SKLEARN),
    "metrics.confusion_matrix": checked("scikit-learn confusion_matrix", METRICS_SKLEARN),
    # ---------------------------------------------------------------- network
    "network.Network": checked("torch autograd", NETWORK_TORCH),
    "network.feed_forward": checked(
        "the same stack in torch (forward, autograd, dropout masks)",
        "test_independent_training.py::test_feed_forward_is_the_stack_torch_computes",
        "test_independent_training.py::test_feed_forward_defaults_relu_and_he_and_puts_dropout_after_hidden_layers",
    ),
    # ---------------------------------------------------------------- notebook
    "notebook.ClaimError": NotNumerical("an exception type"),
    "notebook.glue": NotNumerical("stores and displays a value in a notebook"),
    "notebook.claim": NotNumerical("asserts a statement made in a post's text"),
    "notebook.counted": NotNumerical("formats a count with a noun as text"),
    "notebook.claim_key": NotNumerical("builds a string key from a name"),
    # ---------------------------------------------------------------- optimisers
    "optimisers.Optimiser": checked(
        "torch.optim (its step loop, through every subclass)", OPTIM_TORCH
    ),
    "optimisers.GradientDescent": checked("torch.optim.SGD", OPTIM_TORCH),
    "optimisers.Momentum": checked("torch.optim.SGD with momentum", OPTIM_TORCH),
    "optimisers.Nesterov": checked("torch.optim.SGD with nesterov", OPTIM_TORCH),
    "optimisers.AdaGrad": checked("torch.optim.Adagrad", OPTIM_TORCH),
    "optimisers.RMSProp": checked("torch.optim.RMSprop", OPTIM_TORCH),
    "optimisers.Adam": checked("torch.optim.Adam", OPTIM_TORCH),
    # ---------------------------------------------------------------- pooling
    "pooling.MaxPool2D": checked(
        "torch max_pool2d and autograd",
        "test_pooling.py::test_forward_matches_torch",
        "test_independent_pooling.py::test_pooling_backward_matches_torch_autograd",
    ),
    "pooling.AvgPool2D": checked(
        "torch avg_pool2d and autograd",
        "test_pooling.py::test_forward_matches_torch",
        "test_independent_pooling.py::test_pooling_backward_matches_torch_autograd",
    ),
    "pooling.Flatten": checked(
        "torch.flatten",
        "test_independent_pooling.py::test_flatten_and_unflatten_match_torch",
        "test_pooling.py::test_flatten_round_trip_keeps_examples_on_last_axis",
    ),
    "pooling.Unflatten": checked(
        "torch unflatten", "test_independent_pooling.py::test_flatten_and_unflatten_match_torch"
    ),
    # ---------------------------------------------------------------- recurrent
    "recurrent.RNNCell": checked("torch.nn.RNN and RNNCell", RECURRENT_TORCH, CELL_TORCH),
    "recurrent.GRUCell": checked(
        "torch.nn.GRU and GRUCell (reset after); its equations in torch (reset before)",
        RECURRENT_TORCH,
        CELL_TORCH,
        "test_recurrent.py::test_gru_reset_before_matches_its_equations_in_torch",
    ),
    "recurrent.LSTMCell": checked("torch.nn.LSTM and LSTMCell", RECURRENT_TORCH, CELL_TORCH),
    "recurrent.Recurrent": checked("torch.nn.RNN/GRU/LSTM over a sequence", RECURRENT_TORCH),
    "recurrent.global_norm": checked(
        "torch.linalg.vector_norm",
        "test_independent_recurrent.py::test_global_norm_matches_torch",
        "test_recurrent.py::test_clip_by_global_norm_matches_torch",
    ),
    "recurrent.clip_by_global_norm": checked(
        "torch.nn.utils.clip_grad_norm_",
        "test_recurrent.py::test_clip_by_global_norm_matches_torch",
    ),
    "recurrent.many_to_one": checked(
        "the unrolled cell and linear head in torch",
        "test_independent_recurrent.py::test_many_to_one_is_a_recurrent_layer_then_a_linear_head",
    ),
    # ---------------------------------------------------------------- regularisation
    "regularisation.l1_penalty": checked("torch λ/m Σ|w|", PENALTY_TORCH),
    "regularisation.l1_gradient": checked("torch autograd; central differences", PENALTY_TORCH),
    "regularisation.l2_penalty": checked("torch λ/2m Σw²", PENALTY_TORCH),
    "regularisation.l2_gradient": checked("torch autograd; central differences", PENALTY_TORCH),
    "regularisation.L1": checked(
        "torch autograd",
        "test_independent_regularisation.py::test_penalty_classes_match_torch",
        "test_training_references.py::test_train_step_adds_the_l1_penalty_and_its_gradient",
    ),
    "regularisation.L2": checked(
        "torch autograd",
        "test_independent_regularisation.py::test_penalty_classes_match_torch",
        "test_regularisation.py::test_regularised_step_penalises_weights_but_not_biases",
    ),
    "regularisation.Dropout": checked(
        "torch autograd with the mask; scipy binomial test",
        "test_regularisation.py::test_dropout_backward_with_a_fixed_mask_matches_central_differences_and_torch",
        "test_independent_regularisation.py::test_dropout_keeps_a_binomial_number_of_units_independently",
    ),
    "regularisation.EarlyStopping": checked(
        "the stopping rule written out; sequences worked by hand",
        "test_independent_regularisation.py::test_early_stopping_follows_its_definition",
        "test_training_references.py::test_an_improvement_smaller_than_min_delta_does_not_reset_patience",
    ),
    # ---------------------------------------------------------------- schedules
    "schedules.Constant": checked(
        "torch ConstantLR",
        "test_independent_lookups.py::test_constant_and_as_schedule_match_a_constant_torch_rate",
        "test_optimisers.py::test_schedule_values",
    ),
    "schedules.ExponentialDecay": checked(
        "torch ExponentialLR with γ = e^(−k)",
        "test_independent_lookups.py::test_exponential_decay_matches_torch_exponential_lr",
        "test_optimisers.py::test_schedule_values",
        registry("eq-lr-exponential-decay", "ddl.schedules.ExponentialDecay"),
    ),
    "schedules.InverseTimeDecay": checked(
        "torch LambdaLR with 1/(1 + k t)",
        "test_independent_lookups.py::test_inverse_time_decay_matches_torch_lambda_lr",
        "test_optimisers.py::test_schedule_values",
        "test_optimisers.py::test_a_schedule_sets_the_learning_rate_of_each_step",
        registry("eq-lr-inverse-time-decay", "ddl.schedules.InverseTimeDecay"),
    ),
    "schedules.as_schedule": checked(
        "torch ConstantLR",
        "test_independent_lookups.py::test_constant_and_as_schedule_match_a_constant_torch_rate",
    ),
    # ---------------------------------------------------------------- sequences
    "sequences.adding_problem": checked(
        "targets recomputed per example; scipy KS and chi-square tests of the draws",
        "test_sequences.py::test_adding_problem_layout_and_targets",
        "test_independent_regularisation.py::test_adding_problem_draws_follow_its_definition",
    ),
    "sequences.train_on_generated": checked(
        "torch autograd and clipping by the global norm",
        "test_training_references.py::test_train_on_generated_clips_the_global_norm_of_the_step",
    ),
    # ---------------------------------------------------------------- training
    "training.TrainingDiverged": NotNumerical("an exception type"),
    "training.History": NotNumerical(
        "a record of lists filled by train; its values are checked with train"
    ),
    "training.train_step": checked(
        "torch autograd with an L1 penalty",
        "test_training_references.py::test_train_step_adds_the_l1_penalty_and_its_gradient",
    ),
    "training.evaluate": checked(
        "torch cost; scikit-learn accuracy_score",
        "test_independent_training.py::test_evaluate_matches_torch_cost_and_scikit_learn_metrics",
    ),
    "training.train": checked(
        "the SGD loop run in torch; scikit-learn accuracy_score",
        "test_independent_training.py::test_train_is_the_sgd_loop_torch_runs",
    ),
}


def public_names():
    """``"module.name"`` of every function and class defined in a public module of ``ddl``."""
    names = set()
    for info in pkgutil.iter_modules(ddl.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"ddl.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if obj.__module__ == module.__name__:
                names.add(f"{info.name}.{name}")
    return names


def test_every_public_name_is_in_the_table():
    missing = sorted(public_names() - set(REFERENCES))
    assert not missing, f"public names of ddl with no entry in REFERENCES: {missing}"


def test_the_table_names_only_what_exists():
    gone = sorted(set(REFERENCES) - public_names())
    assert not gone, f"REFERENCES names what ddl no longer defines: {gone}"


def test_every_entry_says_what_it_is_checked_against_or_why_not():
    for name, entry in REFERENCES.items():
        if isinstance(entry, NotNumerical):
            assert entry.reason.strip(), name
        else:
            assert isinstance(entry, Checked), name
            assert entry.tests and entry.reference.strip(), name
            assert all(isinstance(t, str) and "::" in t for t in entry.tests), name


def _registry_keys():
    """``label:function`` of every Check in the registry, read with ast (never imported)."""
    tree = ast.parse((EQUATIONS / "registry.py").read_text(encoding="utf-8"))
    keys = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Check":
            label, function = node.args[0], node.args[2]
            keys.add(f"{label.value}:{function.value}")
    return keys


def _functions_of(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_every_listed_test_exists():
    registry_keys = _registry_keys()
    missing = []
    for name, entry in REFERENCES.items():
        for node_id in getattr(entry, "tests", ()):
            file, _, rest = node_id.partition("::")
            function, _, param = rest.partition("[")
            if file.startswith("../equations/"):
                path = (HERE / file).resolve()
                ok = path.is_file() and function in _functions_of(path)
                ok = ok and param.rstrip("]") in registry_keys
            else:
                path = HERE / file
                ok = path.is_file()
                if ok:
                    module = importlib.import_module(path.stem)
                    ok = callable(getattr(module, function, None)) and function.startswith("test")
            if not ok:
                missing.append(f"{name}: {node_id}")
    assert not missing, "listed tests that do not exist:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    "node_id",
    ["test_nothing.py::test_x", "test_losses.py::test_no_such_test", registry("eq-none", "ddl.x")],
)
def test_the_existence_check_rejects_a_missing_test(node_id, monkeypatch):
    monkeypatch.setitem(REFERENCES, "losses.softplus", Checked((node_id,), "nothing"))
    with pytest.raises(AssertionError, match="do not exist"):
        test_every_listed_test_exists()


def test_the_table_checks_reject_a_missing_and_an_extra_name(monkeypatch):
    monkeypatch.delitem(REFERENCES, "losses.softplus")
    with pytest.raises(AssertionError, match="losses.softplus"):
        test_every_public_name_is_in_the_table()
    monkeypatch.setitem(REFERENCES, "losses.no_such_function", NotNumerical("gone"))
    with pytest.raises(AssertionError, match="losses.no_such_function"):
        test_the_table_names_only_what_exists()
