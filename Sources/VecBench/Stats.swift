public enum VecBenchPlaceholder {}
