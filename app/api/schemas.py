"""Request and response models of the REST API (pydantic, strict: a boolean is not a number).

Types and sizes are checked here; the engine then checks shapes and ranges
(``engine.Scenario.from_dict``) and its errors come back as 422s of the same form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.activations import ACTIVATIONS
from engine.limits import DEFAULT_LIMITS as LIM
from engine.losses import LOSSES
from engine.practice import MISTAKE_IDS, NEAR_IDS
from engine.presets import SIGMOID_2_2_2

Number = Annotated[
    float,
    Field(strict=True, allow_inf_nan=False, ge=-LIM.max_abs_value, le=LIM.max_abs_value),
]
Count = Annotated[int, Field(strict=True, ge=1, le=LIM.max_neurons)]
Label = Annotated[str, Field(strict=True, max_length=LIM.max_label)]
if TYPE_CHECKING:  # the names are the engine's tables' (a rule is added there only)
    Activation = str
    LossName = str
else:
    Activation = Literal[tuple(ACTIVATIONS)]
    LossName = Literal[tuple(LOSSES)]
Row = Annotated[list[Number], Field(max_length=LIM.max_neurons)]
Matrix = Annotated[list[Row], Field(max_length=LIM.max_neurons)]
Samples = Annotated[list[Row], Field(min_length=1, max_length=LIM.max_samples)]
PerLayer = Field(max_length=LIM.max_layers - 1)

EXAMPLE: dict[str, Any] = SIGMOID_2_2_2.scenario


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class LabelsModel(Strict):
    weights: Annotated[list[list[list[Label]]], PerLayer] | None = None
    biases: Annotated[list[list[Label]], PerLayer] | None = None
    neurons: Annotated[list[list[Label]], Field(max_length=LIM.max_layers)] | None = None
    net: Label = "net_"
    out: Label = "out_"
    cost: Label = Field("E", description="The error's name (document 000 writes C).")
    target: Label = Field(
        "t_", description="A target's name: t_ + the output neuron (t_o1), or one name (y)."
    )


class ScenarioModel(Strict):
    """A whole exploration: network, parameters, data, loss and training options."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": EXAMPLE})

    title: Annotated[str, Field(strict=True, max_length=LIM.max_title)] = ""
    layers: Annotated[list[Count], Field(min_length=2, max_length=LIM.max_layers)] = Field(
        description="Neurons per layer, input layer first."
    )
    activations: Annotated[list[Activation], PerLayer] = Field(
        description="One per layer after the input; softmax on the output layer only."
    )
    weights: Annotated[list[Matrix], PerLayer] = Field(
        description="weights[l][i][j] joins neuron i of layer l to neuron j of layer l+1."
    )
    biases: Annotated[list[Row], PerLayer] = Field(
        description="biases[l][j] belongs to neuron j of layer l+1."
    )
    inputs: Samples = Field(description="One row per sample.")
    targets: Samples = Field(description="One row per sample, one column per output neuron.")
    loss: LossName
    learning_rate: Annotated[
        float, Field(strict=True, allow_inf_nan=False, gt=0, le=LIM.max_learning_rate)
    ] = 0.5
    update_biases: bool = True
    update_order: Literal["simultaneous", "output_first"] = Field(
        "simultaneous",
        description=(
            "simultaneous: every gradient from the weights before the step (correct). "
            "output_first: each layer updated before the deltas below it are computed "
            "(the classic mistake behind document 003's published figures)."
        ),
    )
    labels: LabelsModel | None = None

    def to_engine_dict(self) -> dict[str, Any]:
        """The scenario document for ``engine.Scenario.from_dict``: the validated values as
        they are (the engine copies what it keeps), without a dump's deep copy."""
        doc = dict(self.__dict__)  # every field, defaults included; extra fields are forbidden
        if self.labels is None:
            del doc["labels"]
        else:
            doc["labels"] = {k: v for k, v in self.labels.__dict__.items() if v is not None}
        return doc


class PresetSummary(BaseModel):
    id: str
    title: str
    document: str
    description: str


class ForwardOut(BaseModel):
    net_inputs: list[list[list[float]]] = Field(
        description="net_inputs[l][s][j], l = 0 is layer 1."
    )
    activations: list[list[list[float]]] = Field(
        description="activations[l][s][j], input layer first."
    )
    outputs: list[list[float]]
    loss: float
    sample_losses: list[float]


class GradientsOut(BaseModel):
    weights: list[list[list[float]]]
    biases: list[list[float]]


class BackwardOut(ForwardOut):
    deltas: list[list[list[float]]] = Field(description="deltas[l][s][j] = ∂E/∂net of layer l+1.")
    gradients: GradientsOut


class StepOut(BaseModel):
    scenario: dict[str, Any] = Field(
        description="The scenario after one update: post it back as is."
    )
    loss_before: float
    loss_after: float
    gradients: GradientsOut


class TrainIn(Strict):
    scenario: ScenarioModel
    iterations: Annotated[int, Field(strict=True, ge=0, le=100_000)] = Field(
        description="At most 100,000 per request (lower if the server sets MAX_TRAIN_ITERATIONS)."
    )
    stop_below: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)] | None = None


class TrainOut(BaseModel):
    scenario: dict[str, Any]
    iterations_run: int
    losses: list[float] = Field(description="The loss history, sampled to at most 300 points.")
    loss_iterations: list[int] = Field(description="The iteration of each entry of `losses`.")
    stopped_because: Literal["iterations", "stop_below", "diverged", "time_limit"]


class TraceIn(Strict):
    scenario: ScenarioModel
    granularity: Literal["neuron", "layer"] | None = Field(
        None,
        description="`neuron`: scalar steps, for at most 8 samples; `layer`: one matrix step per "
        "layer. Omitted: `neuron` when the batch allows it, else `layer` (the answer says which).",
    )


class FactorOut(BaseModel):
    name: str
    value: float


class TraceStepOut(BaseModel):
    index: int
    phase: Literal["forward", "loss", "backward", "update"]
    kind: str
    quantity: str
    title: str
    formula: str
    substituted: str
    value: Any = Field(description="A number, a list over samples, or a matrix (layer steps).")
    factors: list[FactorOut]
    neurons: list[list[int]] = Field(description="[layer, neuron] pairs the step touches.")
    weights: list[list[int]] = Field(description="[layer, i, j] triples the step touches.")
    biases: list[list[int]] = Field(description="[layer, j] pairs the step touches.")


class TraceOut(BaseModel):
    granularity: Literal["neuron", "layer"]
    steps: list[TraceStepOut]


class GradCheckOut(BaseModel):
    analytic: GradientsOut
    numeric: GradientsOut
    max_abs_error: float
    max_rel_error: float
    eps: float


class CheckIn(Strict):
    scenario: ScenarioModel
    at: Annotated[int, Field(strict=True, ge=0, le=100_000)] = Field(
        description="The step asked: its index in the trace (0-based, as the explorer's `at`)."
    )
    granularity: Literal["neuron", "layer"] | None = Field(
        None, description="As in /api/trace (omitted: `neuron` when the batch allows it)."
    )
    answer: Annotated[str, Field(strict=True, max_length=100)] = Field(
        description="The number as the learner typed it: a string, so the digits typed are "
        "kept (JSON numbers lose them). Reads −, a decimal comma, 5.93e-1 and spaces."
    )
    cell: Annotated[list[Annotated[int, Field(strict=True, ge=0)]], Field(max_length=2)] | None = (
        Field(
            None,
            description="Which number of a step that holds several: [sample] for a neuron step "
            "of a batch, [row, column] for a matrix, [j] for a layer's biases (0-based).",
        )
    )
    reveal: bool = Field(False, description="true: the answer includes `expected`.")


class DiagnosisOut(BaseModel):
    id: str = Field(
        description="The mistake's id, one of: " + ", ".join(MISTAKE_IDS + NEAR_IDS) + "."
    )
    message: str = Field(description="What was done, what the step needs, the factor that differs.")


class CheckOut(BaseModel):
    correct: bool
    quantity: str = Field(description="The name of the number judged, in the scenario's labels.")
    digits: int = Field(description="The decimals typed: the precision the answer was judged at.")
    too_few_digits: bool = Field(
        description="Right at the precision typed but with fewer than 3 significant digits: "
        "type more digits."
    )
    expected: float | None = Field(None, description="The exact value (only with reveal: true).")
    diagnosis: DiagnosisOut | None = Field(
        None, description="The known mistake that gives this wrong answer, when one does."
    )
