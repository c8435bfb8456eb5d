"""What a compiled step keeps of the eager call's semantics: guards (shapes, dtypes, fixed
optimizer options, replaced parameters), schedulers, random draws, modules with state,
errors, return structures and the gradients left behind.  Every test compares a compiled
twin with an eager twin bitwise (see ``_twins.py``)."""

from __future__ import annotations

import copy
import warnings
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.compiler.trace import Trace

from ._twins import (
    assert_same_state,
    assert_same_value,
    run_apart,
    run_twins,
    train_step,
    twins,
)


def _mse(model, x, y):
    return nn.MSELoss()(model(x), y)


def _ce(model, x, y):
    return nn.CrossEntropyLoss()(model(x), y)


def _data(rng, n, d_in, d_out, dtype=np.float64):
    return tg.Tensor(rng.standard_normal((n, d_in)).astype(dtype)), \
        tg.Tensor(rng.standard_normal((n, d_out)).astype(dtype))


def _small(dtype=np.float64):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    return model.double() if dtype == np.float64 else model.float()


def _step(opt, loss_of):
    """step(*args): ``loss_of(*args)``, zero_grad, backward, ``opt.step()``; the loss."""
    def step(*args):
        loss = loss_of(*args)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


# ------------------------------------------------------------------ bugs found (xfail)
def test_a_captured_array_lives_until_the_trace_ends():
    """The trace finds captured arrays by id(): it keeps each alive until it is released, so
    a dead temporary's id cannot come back as a new array's (which then got the old Sym)."""
    trace = Trace()
    temporary = np.ones(3)
    trace.sym_of(temporary)
    ref = weakref.ref(temporary)
    del temporary
    assert ref() is not None
    trace.release()
    assert ref() is None


def test_temporary_constants_with_a_reused_id():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)).double()
    opt = optim.SGD(model.parameters(), lr=0.1)
    compiled = tg.compile(_step(opt, lambda x: model(x).sum()
                                + (model[0].weight * model[0].weight).sum()))
    x = tg.Tensor(np.ones((4, 3)))
    for _ in range(3):
        compiled(x)  # the third call replays: ValueError (shapes (1,) vs (1, 4))


def test_returned_scalar_is_an_array():
    w = tg.Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    compiled = tg.compile(_step(opt, lambda x: (x * w).sum()))
    x = tg.Tensor(np.ones(3))
    losses = [compiled(x) for _ in range(4)]      # warm-up, trace, check, replay
    assert all(type(loss.data) is np.ndarray for loss in losses), \
        [type(loss.data).__name__ for loss in losses]


# ------------------------------------------------------------------ guards
def test_new_input_shape_gets_its_own_program():
    rng = np.random.default_rng(0)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), _mse)
    small, large = _data(rng, 4, 5, 3), _data(rng, 9, 5, 3)
    run_twins(eager, compiled, [small, large], 12, every=True)
    assert compiled[2].explain().count("replaying") == 2
    assert compiled[2].source != ""


def test_dtype_change_gets_its_own_program():
    rng = np.random.default_rng(1)
    eager, compiled = twins(_small(), lambda ps: optim.Adam(ps, lr=1e-2),
                            lambda m, x, y: _mse(m, x.double(), y))
    x64, y64 = _data(rng, 6, 5, 3)
    x32 = tg.Tensor(x64.data.astype(np.float32))  # the step casts its input to float64
    run_twins(eager, compiled, [(x64, y64), (x32, y64)], 10, every=True)
    assert compiled[2].explain().count("replaying") == 2


@pytest.mark.parametrize("make", [
    lambda o: optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
    lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=5),
], ids=["StepLR", "CosineAnnealingLR"])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_lr_scheduler_between_calls(make, opt):
    rng = np.random.default_rng(2)
    factory = (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)) if opt == "sgd" else \
        (lambda ps: optim.Adam(ps, lr=0.05))
    eager, compiled = twins(_small(), factory, _mse)
    schedulers = [make(eager[1]), make(compiled[1])]
    run_twins(eager, compiled, [_data(rng, 8, 5, 3)], 12, every=True,
              after=lambda: [s.step() for s in schedulers])
    assert compiled[2].retraces == 0  # the learning rate is an argument, not a guard


def _one_cycle_twins(opt):
    factory = (lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9)) if opt == "sgd" else \
        (lambda ps: optim.Adam(ps, lr=0.05))
    eager, compiled = twins(_small(), factory, _mse)
    schedulers = [optim.lr_scheduler.OneCycleLR(t[1], max_lr=0.1, total_steps=20)
                  for t in (eager, compiled)]
    run_twins(eager, compiled, [_data(np.random.default_rng(8), 8, 5, 3)], 15, every=True,
              after=lambda: [s.step() for s in schedulers])
    return compiled[2]


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_one_cycle_lr_changing_momentum_or_betas_each_step(opt):
    _one_cycle_twins(opt)  # equal (each call retraces: see the next test)


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_one_cycle_lr_replays(opt):
    """Its momentum (SGD) or beta1 (Adam) changes every step: program arguments, as the
    learning rate, so the program keeps replaying."""
    step = _one_cycle_twins(opt)
    assert step.retraces == 0 and "replaying" in step.explain(), step.explain()


def test_a_state_that_changes_at_every_call_runs_eagerly_after_the_retrace_limit():
    """A fixed option changed at every call (nesterov flipping) loses the program each
    time: after 8 traces the signature runs eagerly, with one TraceWarning (README)."""
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), _mse)

    def flip() -> None:
        for twin in (eager, compiled):
            group = twin[1].param_groups[0]
            group["nesterov"] = not group["nesterov"]
    with pytest.warns(tg.compiler.TraceWarning, match="runs eagerly from now on"):
        run_twins(eager, compiled, [_data(np.random.default_rng(8), 8, 5, 3)], 30,
                  every=True, after=flip)
    assert "running eagerly" in compiled[2].explain()


@pytest.mark.parametrize(("change", "value", "retraces"), [
    ("momentum", 0.5, 0),      # a program argument (schedulers cycle it)
    ("momentum", 0.0, 1),      # ...but 0 means no momentum buffer: another program
    ("betas", (0.5, 0.9), 0),  # program arguments too
    ("nesterov", True, 1),     # fixed options: guarded
    ("weight_decay", 0.1, 1),
])
def test_changing_an_option_between_calls(change, value, retraces):
    rng = np.random.default_rng(3)
    if change == "betas":
        factory = lambda ps: optim.Adam(ps, lr=1e-2)  # noqa: E731
    else:
        factory = lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9)  # noqa: E731
    eager, compiled = twins(_small(), factory, _mse)
    batch = _data(rng, 8, 5, 3)
    run_twins(eager, compiled, [batch], 5, every=True)
    for twin in (eager, compiled):
        twin[1].param_groups[0][change] = value
    run_twins(eager, compiled, [batch], 5, every=True)
    assert compiled[2].retraces == retraces
    assert "replaying" in compiled[2].explain()



@pytest.mark.parametrize("when", [2, 0], ids=["saved-mid-run", "saved-fresh"])
def test_optimizer_load_state_dict_between_calls(when):
    rng = np.random.default_rng(4)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), _mse)
    batch = _data(rng, 8, 5, 3)
    run_twins(eager, compiled, [batch], when, every=True)
    saved = copy.deepcopy(eager[1].state_dict())
    run_twins(eager, compiled, [batch], 5, every=True)
    for _, opt, _ in (eager, compiled):
        opt.load_state_dict(saved)
    assert_same_state(eager, compiled, "after loading: ")
    run_twins(eager, compiled, [batch], 4, every=True)


def test_optimizer_state_cleared_between_calls():
    rng = np.random.default_rng(4)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), _mse)
    batch = _data(rng, 8, 5, 3)
    run_twins(eager, compiled, [batch], 5, every=True)
    for _, opt, _ in (eager, compiled):
        opt.state.clear()  # momentum starts again
    run_twins(eager, compiled, [batch], 4, every=True)


def test_add_param_group_between_calls():
    rng = np.random.default_rng(4)

    def make_step(model, opt):
        def step(x, y):
            loss = nn.MSELoss()(model(x), y)
            model.zero_grad()
            loss.backward()
            opt.step()
            return loss
        return step

    model = _small()
    eager, compiled = _pair(model, lambda ps: optim.SGD(list(ps)[:2], lr=0.05, momentum=0.9),
                            make_step)
    batch = _data(rng, 8, 5, 3)
    run_twins(eager, compiled, [batch], 5, every=True)
    for m, opt, _ in (eager, compiled):
        opt.add_param_group({"params": list(m[2].parameters()), "lr": 0.1})
    run_twins(eager, compiled, [batch], 4, every=True)


def test_eager_calls_interleaved_with_compiled_ones():
    """The same model and optimizer stepped by the plain function now and then."""
    rng = np.random.default_rng(4)
    for make_opt in (lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
                     lambda ps: optim.Adam(ps, lr=0.05)):
        eager, compiled = twins(_small(), make_opt, _mse)
        plain = train_step(compiled[0], compiled[1], _mse)
        batch = _data(rng, 8, 5, 3)
        for i in range(10):
            assert_same_value(eager[2](*batch), (plain if i in (5, 7) else compiled[2])(*batch),
                              f"call {i}")
            assert_same_state(eager, compiled, f"after call {i}: ")


def test_optimizer_load_state_dict_minimal():
    """LOAD_XFAIL's silent case with one parameter and nothing else."""
    results = []
    for compiled in (False, True):
        w = tg.Tensor(np.ones(3), requires_grad=True)
        opt = optim.SGD([w], lr=0.1, momentum=0.9)
        step = _step(opt, lambda x, w=w: (x * w * w).sum())
        run = tg.compile(step) if compiled else step
        x = tg.Tensor(np.arange(3.0))
        for _ in range(2):
            run(x)
        saved = copy.deepcopy(opt.state_dict())
        for _ in range(3):
            run(x)
        opt.load_state_dict(saved)   # the momentum buffer as it was after 2 steps
        for _ in range(3):
            run(x)
        results.append(w.data.copy())
    assert np.array_equal(*results), results


def test_module_load_state_dict_between_calls():
    rng = np.random.default_rng(4)
    eager, compiled = twins(_small(), lambda ps: optim.Adam(ps, lr=1e-2), _mse)
    batch = _data(rng, 8, 5, 3)
    saved = {k: v.data.copy() for k, v in eager[0].state_dict().items()}
    run_twins(eager, compiled, [batch], 5, every=True)
    for model, _, _ in (eager, compiled):
        model.load_state_dict({k: tg.Tensor(v.copy()) for k, v in saved.items()})
    assert_same_state(eager, compiled, "after loading: ")
    run_twins(eager, compiled, [batch], 6, every=True)
    assert "replaying" in compiled[2].explain()


def test_replacing_a_parameters_data_between_calls():
    rng = np.random.default_rng(5)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), _mse)
    batch = _data(rng, 8, 5, 3)
    run_twins(eager, compiled, [batch], 5, every=True)
    new = rng.standard_normal((7, 5))
    for model, _, _ in (eager, compiled):
        model[0].weight.data = new.copy()
    run_twins(eager, compiled, [batch], 6, every=True)
    assert compiled[2].retraces == 0  # the program takes each call's array: no retrace


def test_writing_into_a_parameter_between_calls():
    """In place (``p.data[...] = ...``): the program reads the same array, no retrace."""
    rng = np.random.default_rng(6)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05), _mse)
    batch = _data(rng, 8, 5, 3)
    run_twins(eager, compiled, [batch], 5, every=True)
    for model, _, _ in (eager, compiled):
        model[2].bias.data[...] = 1.5
    run_twins(eager, compiled, [batch], 4, every=True)
    assert compiled[2].retraces == 0


def test_radam_past_rectification_start():
    rng = np.random.default_rng(7)
    eager, compiled = twins(_small(), lambda ps: optim.RAdam(ps, lr=1e-2), _mse)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3)], 12, every=True)


# ------------------------------------------------------------------ random draws
def test_dropout_equals_eager_with_the_same_seed():
    rng = np.random.default_rng(8)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3)).double()
    eager, compiled = twins(model, lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), _mse)
    run_apart(eager, compiled, [_data(rng, 8, 5, 3)], 8)
    assert "replaying" in compiled[2].explain()


def test_dropout_masks_differ_between_replays():
    drop = nn.Dropout(0.5)

    def masked(x):
        return drop(x)

    compiled = tg.compile(masked)
    x = tg.Tensor(np.ones((4, 50)))
    tg.manual_seed(0)
    outs = [compiled(x).data.copy() for _ in range(6)]
    tg.manual_seed(0)
    eager = [masked(x).data.copy() for _ in range(6)]
    for i, (a, b) in enumerate(zip(outs, eager)):
        assert np.array_equal(a, b), f"call {i}"
    assert not np.array_equal(outs[4], outs[5])  # two replays, fresh masks


# ------------------------------------------------------------------ modules with state
def test_batchnorm1d_training_running_stats():
    rng = np.random.default_rng(9)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3)).double()
    eager, compiled = twins(model, lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), _mse)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3), _data(rng, 8, 5, 3)], 10, every=True)
    assert compiled[0][1].num_batches_tracked.item() == 10
    assert "replaying" in compiled[2].explain()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_small_cnn(dtype):
    rng = np.random.default_rng(10)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    model = model.double() if dtype == np.float64 else model.float()
    x = tg.Tensor(rng.standard_normal((6, 1, 8, 8)).astype(dtype))
    y = tg.Tensor(np.arange(6) % 3)
    eager, compiled = twins(model, lambda ps: optim.Adam(ps, lr=1e-2), _ce)
    run_twins(eager, compiled, [(x, y)], 8, every=True)
    assert "replaying" in compiled[2].explain()


def test_no_grad_evaluation_function():
    rng = np.random.default_rng(11)
    model = _small()

    @tg.no_grad()
    def evaluate(x, y):
        out = model(x)
        return nn.MSELoss()(out, y), out.argmax(axis=1)

    compiled = tg.compile(evaluate)
    batches = [_data(rng, 8, 5, 3) for _ in range(3)]
    for i in range(8):
        assert_same_value(evaluate(*batches[i % 3]), compiled(*batches[i % 3]), f"call {i}")
    assert "replaying" in compiled.explain()


def test_evaluation_under_a_no_grad_block():
    rng = np.random.default_rng(12)
    model = _small()

    def evaluate(x):
        return model(x).softmax(axis=1)

    compiled = tg.compile(evaluate)
    batches = [_data(rng, 8, 5, 3)[0] for _ in range(3)]
    with tg.no_grad():
        for i in range(8):
            assert_same_value(evaluate(batches[i % 3]), compiled(batches[i % 3]), f"call {i}")


# ------------------------------------------------------------------ warnings and errors
def test_item_inside_the_function_warns():
    model = _small()
    opt = optim.SGD(model.parameters(), lr=0.05)
    seen = []

    def step(x, y):
        loss = _mse(model, x, y)
        seen.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    compiled = tg.compile(step)
    batch = _data(np.random.default_rng(13), 8, 5, 3)
    compiled(*batch)
    with pytest.warns(tg.compiler.TraceWarning):
        compiled(*batch)


def test_out_of_range_class_target_raises_as_eager():
    rng = np.random.default_rng(14)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05), _ce)
    x = tg.Tensor(rng.standard_normal((6, 5)))
    good, bad = tg.Tensor(np.arange(6) % 3), tg.Tensor(np.array([0, 1, 2, 3, 0, 1]))
    run_twins(eager, compiled, [(x, good)], 5, every=True)
    with pytest.raises(IndexError) as eager_error:
        eager[2](x, bad)
    with pytest.raises(IndexError) as compiled_error:
        compiled[2](x, bad)
    assert str(eager_error.value) == str(compiled_error.value)
    assert_same_state(eager, compiled, "after the error: ")
    run_twins(eager, compiled, [(x, good)], 3, every=True)
    assert "1 sent back to eager by a guard" in compiled[2].explain()


def test_returning_a_live_graph_is_a_trace_error():
    model = _small()

    def forward(x):
        return model(x)

    compiled = tg.compile(forward)
    x = _data(np.random.default_rng(15), 4, 5, 3)[0]
    compiled(x)
    with pytest.raises(tg.compiler.TraceError, match="graph"):
        compiled(x)


# ------------------------------------------------------------------ structure of a step
def test_gradient_accumulation_over_two_micro_batches():
    rng = np.random.default_rng(16)
    x, y = _data(rng, 8, 5, 3)
    halves = [(tg.Tensor(x.data[:4]), tg.Tensor(y.data[:4])),
              (tg.Tensor(x.data[4:]), tg.Tensor(y.data[4:]))]

    def make(model):
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

        def step(x1, y1, x2, y2):
            opt.zero_grad()
            total = 0.0
            for xb, yb in ((x1, y1), (x2, y2)):
                loss = nn.MSELoss()(model(xb), yb) / 2
                loss.backward()
                total = total + loss.detach()
            opt.step()
            return total
        return model, opt, step

    model = _small()
    eager = make(model)
    model_c = copy.deepcopy(model)
    m, o, s = make(model_c)
    compiled = (m, o, tg.compile(s))
    run_twins(eager, compiled, [(*halves[0], *halves[1])], 8, every=True)
    assert "replaying" in compiled[2].explain()


def test_returned_structure_is_preserved():
    rng = np.random.default_rng(17)
    model = _small()
    twin = copy.deepcopy(model)

    def make(model):
        opt = optim.SGD(model.parameters(), lr=0.05)

        def step(x, y, label):
            out = model(x)
            loss = nn.MSELoss()(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return {"loss": loss, "extra": (out.detach(), [label, 3]), "n": len(x)}
        return model, opt, step

    eager, (m, o, s) = make(model), make(twin)
    compiled = (m, o, tg.compile(s))
    batch = _data(rng, 6, 5, 3)
    for i in range(6):
        a, b = eager[2](*batch, "lbl"), compiled[2](*batch, "lbl")
        assert_same_value(a, b, f"call {i}")
        assert list(b) == ["loss", "extra", "n"] and type(b["extra"]) is tuple
        assert type(b["extra"][1]) is list and b["extra"][1] == ["lbl", 3]


def test_grads_after_each_call_equal_eager_and_are_not_overwritten_later():
    rng = np.random.default_rng(18)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), _mse)
    batches = [_data(rng, 8, 5, 3) for _ in range(2)]
    kept_e, kept_c = [], []
    for i in range(8):
        assert_same_value(eager[2](*batches[i % 2]), compiled[2](*batches[i % 2]), f"call {i}")
        assert_same_state(eager, compiled, f"after call {i}: ")
        kept_e.append([p.grad for p in eager[0].parameters()])
        kept_c.append([p.grad for p in compiled[0].parameters()])
    for i, (ge, gc) in enumerate(zip(kept_e, kept_c)):
        for a, b in zip(ge, gc):  # the grads a call left are not changed by later calls
            assert_same_value(a, b, f"grad left by call {i}")


# ------------------------------------------------------------------ more of a step's world
def _pair(model, make_opt, make_step, **compile_options):
    """Twins whose step function is built by ``make_step(model, opt)``."""
    twin = copy.deepcopy(model)
    opt_e, opt_c = make_opt(model.parameters()), make_opt(twin.parameters())
    return ((model, opt_e, make_step(model, opt_e)),
            (twin, opt_c, tg.compile(make_step(twin, opt_c), **compile_options)))


def _plain_step(model, opt):
    return train_step(model, opt, _mse)


def test_branch_on_a_traced_value_is_guarded():
    rng = np.random.default_rng(20)

    def loss_of(model, x, y):
        out = model(x)
        if x.sum() > 0:  # a guard in the program: the other side runs eagerly
            out = out * 2
        return nn.MSELoss()(out, y)

    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05), loss_of)
    y = tg.Tensor(rng.standard_normal((8, 3)))
    pos = (tg.Tensor(np.abs(rng.standard_normal((8, 5)))), y)
    neg = (tg.Tensor(-np.abs(rng.standard_normal((8, 5)))), y)
    run_twins(eager, compiled, [pos, pos, pos, pos, neg, pos, neg], 10, every=True)
    assert "2 sent back to eager by a guard" in compiled[2].explain()


def test_python_value_arguments_select_programs():
    rng = np.random.default_rng(21)

    def make_step(model, opt):
        return _step(opt, lambda x, y, scale: nn.MSELoss()(model(x) * scale, y))

    eager, compiled = _pair(_small(), lambda ps: optim.SGD(ps, lr=0.05), make_step)
    x, y = _data(rng, 8, 5, 3)
    run_twins(eager, compiled, [(x, y, 0.5), (x, y, 2.0)], 12, every=True)
    assert compiled[2].explain().count("replaying") == 2


def test_cache_of_one_signature():
    rng = np.random.default_rng(22)
    eager, compiled = _pair(_small(), lambda ps: optim.SGD(ps, lr=0.05), _plain_step,
                            cache_size=1)
    batches = [_data(rng, 4, 5, 3), _data(rng, 4, 5, 3), _data(rng, 6, 5, 3),
               _data(rng, 6, 5, 3)]
    run_twins(eager, compiled, batches, 12, every=True)


def test_check_false_and_decorator_form():
    rng = np.random.default_rng(23)
    model = _small()
    twin = copy.deepcopy(model)
    opt_e, opt_c = optim.Adam(model.parameters(), lr=0.05), optim.Adam(twin.parameters(), lr=0.05)

    @tg.compile(check=False)
    def step(x, y):
        loss = nn.MSELoss()(twin(x), y)
        opt_c.zero_grad()
        loss.backward()
        opt_c.step()
        return loss

    run_twins((model, opt_e, _plain_step(model, opt_e)), (twin, opt_c, step),
              [_data(rng, 8, 5, 3)], 8, every=True)


def test_explain_with_check_false():
    model = _small()
    opt = optim.SGD(model.parameters(), lr=0.05)
    step = tg.compile(_plain_step(model, opt), check=False)
    batch = _data(np.random.default_rng(23), 8, 5, 3)
    for _ in range(5):
        step(*batch)
    assert "replaying" in step.explain(), step.explain()


def test_batchnorm_train_and_compiled_eval_alternating():
    """A compiled training step and a compiled evaluation (eval mode, running statistics)
    of the same model, called in turn."""
    rng = np.random.default_rng(24)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3)).double()
    eager, compiled = twins(model, lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9), _mse)

    def evaluation(model):
        def evaluate(x):
            model.eval()
            with tg.no_grad():
                out = model(x)
            model.train()
            return out
        return evaluate

    eval_e, eval_c = evaluation(eager[0]), tg.compile(evaluation(compiled[0]))
    batch, x_test = _data(rng, 8, 5, 3), _data(rng, 5, 5, 3)[0]
    for i in range(8):
        assert_same_value(eager[2](*batch), compiled[2](*batch), f"train call {i}")
        assert_same_value(eval_e(x_test), eval_c(x_test), f"eval call {i}")
        assert_same_state(eager, compiled, f"after call {i}: ")
    assert "replaying" in eval_c.explain()


def test_tied_weights():
    rng = np.random.default_rng(25)

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(5, 5)

        def forward(self, x):
            return self.a(self.a(x).tanh())  # one Linear used twice

    tg.manual_seed(0)
    eager, compiled = twins(Tied().double(), lambda ps: optim.Adam(ps, lr=0.05), _mse)
    run_twins(eager, compiled, [_data(rng, 8, 5, 5)], 8, every=True)


def test_parameter_groups_with_a_scheduler():
    rng = np.random.default_rng(26)

    def make_opt(params):
        params = list(params)
        return optim.SGD([{"params": params[:2], "lr": 0.1}, {"params": params[2:]}],
                         lr=0.01, momentum=0.9)

    eager, compiled = twins(_small(), make_opt, _mse)
    schedulers = [optim.lr_scheduler.StepLR(t[1], 2, 0.5) for t in (eager, compiled)]
    run_twins(eager, compiled, [_data(rng, 8, 5, 3)], 10, every=True,
              after=lambda: [s.step() for s in schedulers])
    assert compiled[2].retraces == 0


def test_learning_rate_set_by_hand_between_calls():
    rng = np.random.default_rng(27)
    eager, compiled = twins(_small(), lambda ps: optim.Adam(ps, lr=0.05), _mse)
    batch = _data(rng, 8, 5, 3)
    for i in range(8):
        for twin in (eager, compiled):
            twin[1].param_groups[0]["lr"] = 0.05 / (i + 1)
        assert_same_value(eager[2](*batch), compiled[2](*batch), f"call {i}")
        assert_same_state(eager, compiled, f"after call {i}: ")
    assert compiled[2].retraces == 0


def test_zero_grad_keeping_the_arrays():
    rng = np.random.default_rng(28)

    def make_step(model, opt):
        def step(x, y):
            loss = nn.MSELoss()(model(x), y)
            opt.zero_grad(set_to_none=False)
            loss.backward()
            opt.step()
            return loss
        return step

    eager, compiled = _pair(_small(), lambda ps: optim.SGD(ps, lr=0.05), make_step)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3), _data(rng, 8, 5, 3)], 8, every=True)


def test_inplace_relu():
    rng = np.random.default_rng(29)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(inplace=True), nn.Linear(7, 3)).double()
    eager, compiled = twins(model, lambda ps: optim.SGD(ps, lr=0.05), _mse)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3), _data(rng, 8, 5, 3)], 8, every=True)


def test_dropout_with_its_own_generator():
    rng = np.random.default_rng(30)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(),
                          nn.Dropout(0.3, generator=tg.Generator().manual_seed(3)),
                          nn.Linear(16, 3)).double()
    twin = copy.deepcopy(model)
    twin[2].generator = tg.Generator().manual_seed(3)
    opt_e, opt_c = optim.SGD(model.parameters(), lr=0.05), optim.SGD(twin.parameters(), lr=0.05)
    eager = (model, opt_e, _plain_step(model, opt_e))
    compiled = (twin, opt_c, tg.compile(_plain_step(twin, opt_c)))
    run_twins(eager, compiled, [_data(rng, 8, 5, 3)], 8, every=True)
    assert "replaying" in compiled[2].explain()


# ------------------------------------------------------------------ more bugs found (xfail)
def test_switching_to_eval_mode_between_calls():
    drop = nn.Dropout(0.5)
    compiled = tg.compile(lambda x: drop(x))
    x = tg.Tensor(np.ones(8))
    for _ in range(4):
        compiled(x)
    drop.eval()
    assert_same_value(drop(x), compiled(x), "eval-mode call")


def test_freezing_a_parameter_between_calls():
    w = tg.Tensor(np.ones(3), requires_grad=True)
    b = tg.Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([w, b], lr=0.1)

    compiled = tg.compile(_step(opt, lambda x: (x * w + b).sum()))
    x = tg.Tensor(np.arange(3.0))
    for _ in range(4):
        compiled(x)
    w.requires_grad_(False)
    before = w.data.copy()
    compiled(x)
    assert np.array_equal(w.data, before) and w.grad is None


def test_bare_global_tensor_grad():
    results = []
    for compiled in (False, True):
        w = tg.Tensor(np.ones((2, 3)), requires_grad=True)
        f = _bare_grad_function(w)
        run = tg.compile(f) if compiled else f
        x = tg.Tensor(np.ones((4, 2)))
        for _ in range(5):
            run(x)
        results.append(w.grad.data.copy())
    assert np.array_equal(*results), [r[0, 0] for r in results]


def _bare_grad_function(w):
    namespace = {"w": w}
    exec("def f(x):\n    out = (x @ w).sum()\n    out.backward()\n    return out.detach()\n",
         namespace)  # w a global of f, as in a script
    return namespace["f"]


def test_gradient_accumulation_across_calls():
    tg.manual_seed(0)
    m = nn.Linear(2, 3, bias=False).double()

    def f(x):
        out = m(x).sum()
        out.backward()
        return out.detach()

    compiled = tg.compile(f)
    x = tg.Tensor(np.ones((4, 2)))
    for _ in range(5):
        compiled(x)
    assert m.weight.grad.data[0, 0] == 20.0


def test_clip_grad_norm_inside_the_step():
    rng = np.random.default_rng(31)

    def make_step(model, opt):
        def step(x, y):
            loss = nn.MSELoss()(model(x), y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            opt.step()
            return loss
        return step

    eager, compiled = _pair(_small(), lambda ps: optim.SGD(ps, lr=0.05), make_step)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3)], 8, every=True)  # the factor: arrays
    assert "replaying" in compiled[2].explain()


def test_non_contiguous_inputs():
    """The same signature (shape, dtype) with C-ordered, strided and transposed inputs."""
    rng = np.random.default_rng(32)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05), _mse)
    batches = []
    for i in range(4):
        y = tg.Tensor(rng.standard_normal((8, 3)))
        x = [rng.standard_normal((8, 5)), rng.standard_normal((8, 10))[:, ::2],
             rng.standard_normal((5, 8)).T, np.asfortranarray(rng.standard_normal((8, 5)))][i]
        batches.append((tg.Tensor(x), y))
    run_twins(eager, compiled, batches, 10, every=True)
    assert "replaying" in compiled[2].explain()


def test_embedding_with_integer_inputs():
    rng = np.random.default_rng(33)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 3)).double()
    eager, compiled = twins(model, lambda ps: optim.Adam(ps, lr=0.05), _mse)
    batches = [(tg.Tensor(rng.integers(0, 10, (8, 3))), tg.Tensor(rng.standard_normal((8, 3))))
               for _ in range(3)]
    run_twins(eager, compiled, batches, 9, every=True)
    assert "replaying" in compiled[2].explain()


def test_ignored_targets_at_a_later_call():
    rng = np.random.default_rng(34)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05), _ce)
    x = tg.Tensor(rng.standard_normal((8, 5)))
    good = (x, tg.Tensor(np.arange(8) % 3))
    ignoring = (x, tg.Tensor(np.array([0, -100, 2, 1, -100, 0, 1, 2])))
    run_twins(eager, compiled, [good] * 4 + [ignoring, good, ignoring], 7, every=True)
    assert "2 sent back to eager by a guard" in compiled[2].explain()


def test_two_optimizers_and_model_zero_grad():
    rng = np.random.default_rng(35)

    def make_step(model, _):
        first = optim.SGD(model[0].parameters(), lr=0.05, momentum=0.9)
        second = optim.Adam(model[2].parameters(), lr=0.01)

        def step(x, y):
            loss = nn.MSELoss()(model(x), y)
            model.zero_grad()
            loss.backward()
            first.step()
            second.step()
            return loss
        return step

    eager, compiled = _pair(_small(), lambda ps: None, make_step)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3), _data(rng, 8, 5, 3)], 8, every=True)
    assert "replaying" in compiled[2].explain()


def test_optimizer_step_with_a_closure():
    rng = np.random.default_rng(36)

    def make_step(model, opt):
        def step(x, y):
            def closure():
                opt.zero_grad()
                loss = nn.MSELoss()(model(x), y)
                loss.backward()
                return loss
            return opt.step(closure)
        return step

    eager, compiled = _pair(_small(), lambda ps: optim.SGD(ps, lr=0.05), make_step)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3), _data(rng, 8, 5, 3)], 8, every=True)


def test_the_same_tensor_as_two_arguments():
    rng = np.random.default_rng(37)

    def make_step(model, opt):
        return _step(opt, lambda a, b: ((model(a) - model(b)) ** 2).mean())

    eager, compiled = _pair(_small(), lambda ps: optim.SGD(ps, lr=0.05), make_step)
    x, x2 = _data(rng, 8, 5, 3)[0], _data(rng, 8, 5, 3)[0]
    run_twins(eager, compiled, [(x, x), (x, x2), (x2, x2)], 9, every=True)


def test_conv1d_layernorm_prelu_and_conv2d_batchnorm2d_avgpool():
    rng = np.random.default_rng(38)
    tg.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv1d(2, 3, 3)
            self.norm1 = nn.LayerNorm(18)
            self.act = nn.PReLU()
            self.conv2 = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(),
                                       nn.AvgPool2d(2), nn.Flatten())
            self.fc = nn.Linear(18 + 2, 3)

        def forward(self, x):  # x: (N, 2, 8)
            a = self.act(self.norm1(self.conv1(x).reshape(len(x), 18)))
            b = self.conv2(x.reshape(len(x), 1, 4, 4))
            return self.fc(tg.cat([a, b], axis=1))

    eager, compiled = twins(Net().double(), lambda ps: optim.AdamW(ps, lr=0.05), _mse)
    batches = [(tg.Tensor(rng.standard_normal((4, 2, 8))),
                 tg.Tensor(rng.standard_normal((4, 3)))) for _ in range(2)]
    run_twins(eager, compiled, batches, 8, every=True)
    assert "replaying" in compiled[2].explain()


def test_input_changed_in_place():
    def f(x):
        x.mul_(0.5)
        return x.sum()

    compiled = tg.compile(f)
    for i in range(4):
        x = tg.Tensor(np.arange(3.0) + i)
        expected = (np.arange(3.0) + i) * 0.5
        assert compiled(x).item() == expected.sum()
        assert np.array_equal(x.data, expected)


def test_grad_of_a_fresh_input_each_call():
    w = nn.Linear(3, 2).double()

    def saliency(x):
        out = (w(x) ** 2).sum()
        w.zero_grad()
        out.backward()
        return out.detach()

    compiled = tg.compile(saliency)
    rng = np.random.default_rng(39)
    for i in range(5):
        data = rng.standard_normal((4, 3))
        xe, xc = tg.Tensor(data, requires_grad=True), tg.Tensor(data.copy(), requires_grad=True)
        assert_same_value(saliency(xe), compiled(xc), f"call {i}")
        assert xc.grad is not None, f"call {i}: the argument's grad is None"
        assert_same_value(xe.grad, xc.grad, f"x.grad after call {i}")


def _branch_after_update(model, opt):
    def step(x, y):
        loss = nn.MSELoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        # after the update, on the updated weights: the program cannot send this call back
        # to eager mode (a branch on the inputs alone would move up, before the update)
        if model[0].weight.sum() > 0:
            return loss.detach() * 2
        return loss
    return step


def test_branch_after_the_update_warns_that_it_is_baked():
    rng = np.random.default_rng(40)
    eager, compiled = _pair(_small(), lambda ps: optim.SGD(ps, lr=0.05), _branch_after_update)
    batch = (tg.Tensor(np.abs(rng.standard_normal((8, 5)))), tg.Tensor(rng.standard_normal((8, 3))))
    run_twins(eager, compiled, [batch], 1)
    with pytest.warns(tg.compiler.TraceWarning, match="after the step changed state"):
        run_twins(eager, compiled, [batch], 1)
    run_twins(eager, compiled, [batch], 4, every=True)  # the branch as traced: still equal


def test_baked_branch_warning_names_the_users_line():
    rng = np.random.default_rng(41)
    model = _small()
    step = tg.compile(_branch_after_update(model, optim.SGD(model.parameters(), lr=0.05)))
    batch = (tg.Tensor(np.abs(rng.standard_normal((8, 5)))), tg.Tensor(rng.standard_normal((8, 3))))
    step(*batch)
    with pytest.warns(tg.compiler.TraceWarning) as record:
        step(*batch)
    assert any("test_semantics.py" in str(w.message) for w in record), \
        [str(w.message) for w in record]


@pytest.mark.parametrize("at_call", [2, 3], ids=["trace", "check"])
def test_an_error_at_the_trace_or_check_call_leaves_things_usable(at_call):
    """An IndexError raised by the call that traces (2) or checks (3): state as eager's,
    and the next calls compile and agree."""
    rng = np.random.default_rng(42)
    eager, compiled = twins(_small(), lambda ps: optim.Adam(ps, lr=0.05), _ce)
    x = tg.Tensor(rng.standard_normal((8, 5)))
    good, bad = (x, tg.Tensor(np.arange(8) % 3)), (x, tg.Tensor(np.arange(8)))
    run_twins(eager, compiled, [good], at_call - 1, every=True)
    for twin in (eager, compiled):
        with pytest.raises(IndexError):
            twin[2](*bad)
    assert_same_state(eager, compiled, "after the error: ")
    run_twins(eager, compiled, [good], 6, every=True)
    assert "replaying" in compiled[2].explain()


# ------------------------------------------------------------------ random draws inside the step
@pytest.mark.parametrize("noise", ["randn", "rand_like", "randperm", "dropout2d", "F.dropout"])
def test_framework_random_draws_inside_the_step(noise):
    """Every draw from the framework's generators is recorded: a replay draws fresh numbers
    exactly as the eager call does after the same manual_seed."""
    rng = np.random.default_rng(43)
    tg.manual_seed(0)
    if noise == "dropout2d":
        model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Dropout2d(0.3), nn.Flatten(),
                              nn.Linear(4 * 6 * 6, 3)).double()
        batch = (tg.Tensor(rng.standard_normal((4, 1, 8, 8))),
                 tg.Tensor(rng.standard_normal((4, 3))))
        loss_of = _mse
    else:
        model, batch = _small(), _data(rng, 8, 5, 3)

        def loss_of(m, x, y):
            if noise == "randn":
                x = x + tg.randn(*x.shape, dtype=x.dtype) * 0.1
            elif noise == "rand_like":
                x = x * (tg.rand_like(x) > 0.2)
            elif noise == "randperm":
                order = tg.randperm(len(x))
                x, y = x[order], y[order]
            out = m(x)
            if noise == "F.dropout":
                out = nn.functional.dropout(out, 0.3, training=True)
            return nn.MSELoss()(out, y)

    eager, compiled = twins(model, lambda ps: optim.SGD(ps, lr=0.05), loss_of)
    run_apart(eager, compiled, [batch], 8)
    assert "replaying" in compiled[2].explain()


def test_numpy_global_random_inside_the_step_is_caught_by_the_check():
    """np.random's global stream is not the framework's: the trace bakes the numbers it drew,
    and the check call says so (TraceError) instead of replaying wrong numbers."""
    rng = np.random.default_rng(44)
    model = _small()
    opt = optim.SGD(model.parameters(), lr=0.05)

    def step(x, y):
        noise = tg.Tensor(np.random.standard_normal(x.shape))
        loss = nn.MSELoss()(model(x + noise), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    compiled = tg.compile(step)
    batch = _data(rng, 8, 5, 3)
    compiled(*batch)
    compiled(*batch)
    with pytest.raises(tg.compiler.TraceError, match="does not reproduce the eager call"):
        compiled(*batch)


# ------------------------------------------------------------------ ways to call
def test_a_bound_method_of_a_trainer():
    rng = np.random.default_rng(45)

    class Trainer:
        def __init__(self, model):
            self.model = model
            self.opt = optim.Adam(model.parameters(), lr=0.05)

        def step(self, x, y):
            loss = nn.MSELoss()(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            return loss

    model = _small()
    te, tc = Trainer(model), Trainer(copy.deepcopy(model))
    run_twins((te.model, te.opt, te.step), (tc.model, tc.opt, tg.compile(tc.step)),
              [_data(rng, 8, 5, 3), _data(rng, 8, 5, 3)], 8, every=True)


def test_model_and_optimizer_as_arguments():
    rng = np.random.default_rng(46)

    def step(model, opt, x, y):
        loss = nn.MSELoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    model = _small()
    twin = copy.deepcopy(model)
    opt_e = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    opt_c = optim.SGD(twin.parameters(), lr=0.05, momentum=0.9)
    compiled = tg.compile(step)
    run_twins((model, opt_e, lambda x, y: step(model, opt_e, x, y)),
              (twin, opt_c, lambda x, y: compiled(twin, opt_c, x, y)),
              [_data(rng, 8, 5, 3), _data(rng, 8, 5, 3)], 8, every=True)
    assert "replaying" in compiled.explain()


def test_keyword_arguments():
    model = _small()
    opt = optim.SGD(model.parameters(), lr=0.05)
    compiled = tg.compile(_plain_step(model, opt))
    x, y = _data(np.random.default_rng(47), 8, 5, 3)
    for _ in range(4):
        compiled(x, y=y)


# ------------------------------------------------------------------ what a call leaves behind
def test_parameters_are_updated_in_place():
    """Arrays the caller holds (p.data) stay the parameters' arrays, as in eager mode."""
    rng = np.random.default_rng(48)
    eager, compiled = twins(_small(), lambda ps: optim.Adam(ps, lr=0.05), _mse)
    held = [p.data for p in compiled[0].parameters()]
    run_twins(eager, compiled, [_data(rng, 8, 5, 3)], 6, every=True)
    assert all(h is p.data for h, p in zip(held, compiled[0].parameters(), strict=True))


def test_a_graph_recorded_before_a_replay_refuses_backward_as_in_eager_mode():
    rng = np.random.default_rng(49)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05), _mse)
    batch = _data(rng, 8, 5, 3)
    run_twins(eager, compiled, [batch], 4)
    stale = [twin[0](batch[0]).sum() for twin in (eager, compiled)]
    run_twins(eager, compiled, [batch], 1)
    messages = []
    for graph in stale:
        with pytest.raises(RuntimeError, match="changed in place") as error:
            graph.backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_a_step_returning_nothing():
    rng = np.random.default_rng(50)

    def make_step(model, opt):
        def step(x, y):
            _plain_step(model, opt)(x, y)
        return step

    eager, compiled = _pair(_small(), lambda ps: optim.SGD(ps, lr=0.05), make_step)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3)], 6, every=True)
    assert "replaying" in compiled[2].explain()


def test_returning_loss_item_returns_each_calls_number():
    """``return loss.item()``: each call returns its own loss as a Python float, with no
    warning (the number only leaves the function)."""
    results = []
    for compile_it in (False, True):
        model = _small()
        model.load_state_dict({k: np.full(v.shape, 0.1) for k, v in model.state_dict().items()})
        opt = optim.SGD(model.parameters(), lr=0.05)

        def step(x, y, model=model, opt=opt):
            return _plain_step(model, opt)(x, y).item()

        run = tg.compile(step) if compile_it else step
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            results.append([run(*_data(np.random.default_rng(i), 8, 5, 3)) for i in range(6)])
    assert all(type(v) is float for v in results[1])
    assert results[0] == results[1]


def test_returned_tensor_requires_grad_as_in_eager_mode():
    rng = np.random.default_rng(52)
    eager, compiled = twins(_small(), lambda ps: optim.SGD(ps, lr=0.05), _mse)
    batch = _data(rng, 8, 5, 3)
    for i in range(5):
        a, b = eager[2](*batch), compiled[2](*batch)
        assert a.requires_grad == b.requires_grad, f"call {i}: {a.requires_grad} vs " \
                                                   f"{b.requires_grad}"


# ------------------------------------------------------------------ updates without an optimizer
def _manual_twins(update):
    """Twins whose step updates the parameters by hand (``update(model)``), as the articles'
    own gradient descent does."""
    def make_step(model, _):
        def step(x, y):
            loss = nn.MSELoss()(model(x), y)
            model.zero_grad()
            loss.backward()
            update(model)
            return loss
        return step
    return _pair(_small(), lambda ps: None, make_step)


def _in_place_data(model):
    for p in model.parameters():
        p.data -= 0.05 * p.grad.data


def _sub_under_no_grad(model):
    with tg.no_grad():
        for p in model.parameters():
            p.sub_(p.grad * 0.05)


def _isub_under_no_grad(model):
    with tg.no_grad():
        for p in model.parameters():
            p -= 0.05 * p.grad


@pytest.mark.parametrize("update", [_in_place_data, _sub_under_no_grad, _isub_under_no_grad])
def test_parameters_updated_by_hand_in_place(update):
    rng = np.random.default_rng(53)
    eager, compiled = _manual_twins(update)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3), _data(rng, 8, 5, 3)], 8, every=True)
    assert "replaying" in compiled[2].explain()


def test_parameters_updated_by_hand_by_reassignment():
    lin = nn.Linear(3, 1, bias=False).double()

    def step(x):
        loss = lin(x).sum()
        lin.zero_grad()
        loss.backward()
        lin.weight.data = lin.weight.data - 0.1 * lin.weight.grad.data
        return loss

    compiled = tg.compile(step)
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    for _ in range(4):
        compiled(x)


def test_hooks_clip_grad_value_target_network_and_weight_average():
    """A gradient hook and a forward hook that change values, clip_grad_value_, a frozen
    target network under no_grad, an average of the weights kept in place."""
    rng = np.random.default_rng(54)
    tg.manual_seed(1)
    target = nn.Linear(5, 3).double()

    def make_step(model, opt):
        model[0].weight.register_hook(lambda g: g * 0.5)
        model[1].register_forward_hook(lambda module, inputs, out: out * 0.9)
        goal_net, average = copy.deepcopy(target), copy.deepcopy(model)

        def step(x, y):
            with tg.no_grad():
                goal = goal_net(x)
            loss = nn.MSELoss()(model(x), goal + y.detach() * 0.1)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_value_(model.parameters(), 0.05)
            opt.step()
            for a, p in zip(average.parameters(), model.parameters()):
                a.data *= 0.9
                a.data += 0.1 * p.data
            return loss, average[2].bias.detach()
        return step

    eager, compiled = _pair(_small(), lambda ps: optim.SGD(ps, lr=0.05), make_step)
    run_twins(eager, compiled, [_data(rng, 8, 5, 3), _data(rng, 8, 5, 3)], 8, every=True)
    assert "replaying" in compiled[2].explain()


def test_no_traced_array_is_left_behind():
    """After every call (the trace's included) parameters, buffers, gradients and optimizer
    state hold plain ndarrays, not the tracer's views."""
    rng = np.random.default_rng(55)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(7, 3)).double()
    _, compiled = twins(model, lambda ps: optim.Adam(ps, lr=0.05), _mse)
    batch = _data(rng, 8, 5, 3)
    for i in range(5):
        compiled[2](*batch)
        arrays = [t.data for t in compiled[0].state_dict().values()]
        arrays += [p.grad.data for p in compiled[0].parameters()]
        arrays += [v for s in compiled[1].state.values() for v in s.values()
                   if isinstance(v, np.ndarray)]
        assert {type(a) for a in arrays} == {np.ndarray}, f"call {i}"


def _bce(model, x, y):
    return nn.BCEWithLogitsLoss()(model(x), y)


def test_a_branch_after_batchnorms_running_statistics_still_falls_back():
    """BatchNorm updates its running statistics in the forward pass, before the loss's
    branch on infinite logits; the program moves that update below the branch, so a call
    whose logits become infinite runs eagerly (nothing baked, nothing updated twice)."""
    rng = np.random.default_rng(43)
    tg.manual_seed(43)
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 1)).double()
    eager, compiled = twins(model, lambda ps: optim.SGD(ps, lr=0.05), _bce)
    batch = (tg.Tensor(rng.standard_normal((8, 4))),
             tg.Tensor(rng.integers(0, 2, (8, 1)).astype(np.float64)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", tg.compiler.TraceWarning)  # no branch baked
        run_twins(eager, compiled, [batch], 4, every=True)
    for twin in (eager, compiled):  # in place: the program's guards still hold
        twin[0][3].weight.data[...] = 1e308
    with np.errstate(all="ignore"):  # the logits overflow on purpose
        run_twins(eager, compiled, [batch], 3, every=True)
    assert "sent back to eager by a guard" in compiled[2].explain()


def test_a_branch_after_a_dropout_draw_rewinds_the_generator_when_it_fails():
    """The loss's branch reads logits computed through a dropout mask: the program keeps
    it in place and, when it fails, puts the generator back before the eager call, which
    then draws the same mask an eager-only run draws."""
    rng = np.random.default_rng(44)
    tg.manual_seed(44)
    model = nn.Sequential(nn.Linear(4, 6), nn.Dropout(0.5), nn.Linear(6, 1)).double()
    eager, compiled = twins(model, lambda ps: optim.SGD(ps, lr=0.05), _bce)
    batch = (tg.Tensor(rng.standard_normal((8, 4))),
             tg.Tensor(rng.integers(0, 2, (8, 1)).astype(np.float64)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", tg.compiler.TraceWarning)
        run_apart(eager, compiled, [batch], 4)
    for twin in (eager, compiled):
        twin[0][2].weight.data[...] = 1e308
    with np.errstate(all="ignore"):  # the logits overflow on purpose
        run_apart(eager, compiled, [batch], 6, seed=1)
    assert "sent back to eager by a guard" in compiled[2].explain()
