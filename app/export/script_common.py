"""What the NumPy and the PyTorch scripts share: the scenario as a Python literal, and the
source text that prints each quantity with the page's names or, with ``--json``, the answer
``/api/step`` gives.

Nothing a user wrote is spliced into code: the title and the labels enter the script only
inside the scenario literal, written by ``pprint`` (``repr`` of each string and float), so a
quote, a backslash, a newline or U+2028 stays inside its string, and every float reads back
bit for bit.
"""

from __future__ import annotations

import pprint

from engine import Scenario

# Printed by both scripts from plain nested lists (samples × neurons), so that the two read alike.
REPORT = '''
def _num(v):
    """A value, or a list over samples, as Python writes floats (the shortest exact text)."""
    return repr(float(v)) if not isinstance(v, list) else "[" + ", ".join(map(_num, v)) + "]"


def _by_sample(matrix, j):
    """Neuron j's values over the batch: one number for one sample."""
    column = [row[j] for row in matrix]
    return column[0] if len(column) == 1 else column


def _names(layer, prefix, suffix=""):
    """Layer ``layer``'s weights (into each neuron in turn, as the explorer's timeline goes) and
    biases, named; a bias label its layer shares (document 003's b1) takes its neuron's name."""
    lab = SCENARIO["labels"]
    rows = lab["weights"][layer]
    weights = [(prefix + rows[i][j] + suffix, i, j)
               for j in range(len(rows[0])) for i in range(len(rows))]
    labels, neurons = lab["biases"][layer], lab["neurons"][layer + 1]
    biases = [(prefix + b + suffix + (" (" + n + ")" if labels.count(b) > 1 else ""), j)
              for j, (b, n) in enumerate(zip(labels, neurons))]
    return weights, biases


def report(r):
    """Every quantity of the iteration, named as the explorer names it."""
    lab = SCENARIO["labels"]
    neurons, net, out = lab["neurons"], lab["net"], lab["out"]
    print(SCENARIO["title"] or "Your network")
    print("Forward pass")
    for layer, (zs, acts) in enumerate(zip(r["net_inputs"], r["activations"][1:])):
        for j, name in enumerate(neurons[layer + 1]):
            print("  " + net + name, "=", _num(_by_sample(zs, j)))
            print("  " + out + name, "=", _num(_by_sample(acts, j)))
    print("Loss (" + SCENARIO["loss"] + ", mean over samples): E =", _num(r["loss_before"]))
    print("Backward pass")
    grads = r["gradients"]
    for layer in reversed(range(len(r["deltas"]))):
        for j, name in enumerate(neurons[layer + 1]):
            print("  \\u03b4_" + name, "=", _num(_by_sample(r["deltas"][layer], j)))
        weights, biases = _names(layer, "\\u2202E/\\u2202")
        for bias, j in biases:  # each neuron's weights, then its bias
            for name, i, _ in [w for w in weights if w[2] == j]:
                print("  " + name, "=", _num(grads["weights"][layer][i][j]))
            print("  " + bias, "=", _num(grads["biases"][layer][j]))
    kept = not SCENARIO["update_biases"]
    print("Update (\\u03b7 = " + repr(SCENARIO["learning_rate"]) + ", "
          + SCENARIO["update_order"] + (", biases kept" if kept else "") + ")")
    new = r["scenario"]
    for layer in reversed(range(len(new["weights"]))):
        weights, biases = _names(layer, "", "\\u207a")
        for name, i, j in weights:
            print("  " + name, "=", _num(new["weights"][layer][i][j]))
        for name, j in [] if kept else biases:
            print("  " + name, "=", _num(new["biases"][layer][j]))
    print("Loss after the update: E =", _num(r["loss_after"]))


def main(run):
    if hasattr(sys.stdout, "reconfigure"):  # the title and labels as written, on any console
        sys.stdout.reconfigure(encoding="utf-8")
    r = run()
    if "--json" in sys.argv[1:]:
        keys = ("loss_before", "loss_after", "gradients", "scenario")
        print(json.dumps({k: r[k] for k in keys}, ensure_ascii=False))
    else:
        report(r)
'''


def scenario_literal(s: Scenario) -> str:
    """``SCENARIO = {...}``: the scenario document (``Scenario.to_dict``) as Python source."""
    return "SCENARIO = " + pprint.pformat(s.to_dict(), width=96, sort_dicts=False) + "\n"


def header(s: Scenario, library: str, needs: str, note: str = "") -> str:
    """The script's opening: what it is and how to run it (no user text: the title is data);
    ``note``: a paragraph of the library's own, after the first."""
    return f'''#!/usr/bin/env python3
"""One training iteration of a Backprop Explorer scenario, in {library}.

The network, its parameters and data are SCENARIO below, exactly as the explorer holds them
(every float written so that it reads back bit for bit). The script runs the forward pass, the
loss, the backward pass and one gradient-descent update, with the scenario's loss, activations,
update order and bias rule.
{note}
    python this_file.py           every quantity, with the explorer's names
    python this_file.py --json    {{loss_before, loss_after, gradients, scenario}} as /api/step

Needs Python 3.9 or newer and {needs}. Network: {"-".join(map(str, s.layers))}, loss {s.loss}.
"""

import json
import sys

'''
