using BenchmarkDotNet.Running;
using ZeroDepMqtt.Benchmarks;

if (args is ["shaping-cpu"]) ShapingCpuCheck.Run();
else if (args is ["shaped-sink-alloc"]) ShapedSinkAllocationCheck.Run();
else if (args is ["cache-ranges"]) CachedRangesCheck.Run();
else if (args is ["cached-sink-alloc", ..]) CachedSinkAllocationCheck.Run(args.Length > 1 ? args[1] : null);
else if (args is ["cache", "startup", ..]) CacheCheck.Run(args.Length > 2 ? args[2] : null, startUpOnly: true);
else if (args is ["cache", ..]) CacheCheck.Run(args.Length > 1 ? args[1] : null);
else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
