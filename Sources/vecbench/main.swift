import VecBench
