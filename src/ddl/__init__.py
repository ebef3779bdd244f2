"""Demystifying Deep Learning: neural networks from first principles in numpy.

One module per idea the series teaches, named as the posts name it.

Conventions used by every module, every post and every test
----------------------------------------------------------
Shapes
    Examples are always the **last** axis.  A design matrix ``X`` is
    ``(n_features, m)``; targets ``Y`` are ``(n_outputs, m)``; a dense layer's
    weights ``W`` are ``(n_out, n_in)`` and its bias ``b`` is ``(n_out, 1)``, so
    ``Z = W @ A_prev + b``.  Images are ``(channels, height, width, m)`` and
    sequences are ``(T, n_features, m)`` so that ``X[t]`` is one time step laid
    out like any other layer input.  The data loaders convert scikit-learn's
    ``(m, n_features)`` arrays at the boundary, and nowhere else.

Gradients
    ``d<Name>`` is the derivative of the cost with respect to ``<Name>``, in the
    posts' notation: ``dZ``, ``dW``, ``db``, ``dA_prev``.  Costs ``J`` are means
    over the ``m`` examples.  Following the series, gradients with respect to
    activations (``dA``, ``dZ``, ``dA_prev``) are per example (the derivative of
    each example's loss ``L(i)``), and the ``1/m`` appears where parameters are
    reached: ``dW = (1/m) dZ A_prevᵀ``, ``db = (1/m) Σ dZ``.  So
    ``dW`` and ``db`` are exactly ``∂J/∂W`` and ``∂J/∂b``.

Randomness
    Every function that draws random numbers takes an explicit
    ``rng: numpy.random.Generator``; nothing touches numpy's global state.

Equations
    A function that implements an equation of a post names it in its docstring
    by the label the post gives it, e.g. ``Implements :eq:`eq-sigmoid`.``
"""

__version__ = "0.1.0"
