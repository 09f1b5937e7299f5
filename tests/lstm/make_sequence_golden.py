#!/usr/bin/env python3
"""Expected outputs of a two-invocation sequence of tflm_mnist_lstm_int8 in TFLite Micro.

TFLite Micro's Python interpreter (PyPI `tflite-micro`, reference kernels) keeps the LSTM's
variable tensors (hidden and cell state) from one invoke() to the next; only reset() restores
them. This script runs the ramp input, then the rng42 input, without reset between, and writes
what tmlc must reproduce:

  sequence.ramp_rng42.output.bin  the softmax outputs of both invocations (2 x 10 bytes)
  sequence.ramp_rng42.lstm.bin    the LSTM's output tensor (t23) of both (2 x 560 bytes)

It also checks, and says, that the state is carried (the second ramp invocation differs from the
first) and that reset() brings back the first invocation's result.

Usage (network needed once for the package):
  python3 -m venv venv && venv/bin/pip install tflite-micro numpy
  venv/bin/python tests/lstm/make_sequence_golden.py [SHARED_DIR] [OUT_DIR]
SHARED_DIR defaults to ../shared beside the checkout, OUT_DIR to this script's folder.
"""

import os
import sys

import numpy as np
from tflite_micro.python.tflite_micro import runtime

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared")
OUT = sys.argv[2] if len(sys.argv) > 2 else HERE
NAME = "tflm_mnist_lstm_int8"
MODEL = os.path.join(SHARED, "models", NAME + ".tflite")
REFERENCE = os.path.join(SHARED, "reference", NAME)
LSTM_OUTPUT_TENSOR = 23


def load(pattern):
    return np.fromfile(os.path.join(REFERENCE, f"input.{pattern}.bin"), dtype=np.int8).reshape(1, 28, 28)


def invoke(interpreter, x):
    interpreter.set_input(x, 0)
    interpreter.invoke()
    output = interpreter.get_output(0).copy().astype(np.int8)
    lstm = np.array(interpreter.GetTensor(LSTM_OUTPUT_TENSOR, 0)["tensor_data"], dtype=np.int8).reshape(-1)
    return output, lstm


def main():
    interpreter = runtime.Interpreter.from_file(
        MODEL, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    ramp, rng42 = load("ramp"), load("rng42")
    first = invoke(interpreter, ramp)
    second = invoke(interpreter, rng42)

    # What does TFLM do with the state? Compare a fresh rng42 invocation and a repeated ramp.
    interpreter.reset()
    fresh_rng42 = invoke(interpreter, rng42)
    interpreter.reset()
    again = invoke(interpreter, ramp)
    repeated = invoke(interpreter, ramp)
    carried = not np.array_equal(second[1], fresh_rng42[1])
    print(f"state carried across invoke(): {carried} "
          f"(rng42 after ramp differs from rng42 after reset in "
          f"{int(np.sum(second[1] != fresh_rng42[1]))} of 560 LSTM outputs; ramp twice differs "
          f"in {int(np.sum(repeated[1] != first[1]))})")
    print(f"reset() restores the first invocation: {np.array_equal(again[1], first[1])}")
    golden = open(os.path.join(REFERENCE, "output.ramp.bin"), "rb").read()
    assert first[0].tobytes() == golden, "the first invocation must match the golden output"

    with open(os.path.join(OUT, "sequence.ramp_rng42.output.bin"), "wb") as f:
        f.write(first[0].tobytes() + second[0].tobytes())
    with open(os.path.join(OUT, "sequence.ramp_rng42.lstm.bin"), "wb") as f:
        f.write(first[1].tobytes() + second[1].tobytes())
    print("wrote", OUT)


if __name__ == "__main__":
    main()
