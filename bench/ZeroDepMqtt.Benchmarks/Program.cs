using BenchmarkDotNet.Running;
using ZeroDepMqtt.Benchmarks;

if (args is ["shaping-cpu"]) ShapingCpuCheck.Run();
else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
