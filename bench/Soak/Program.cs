using ZeroDepMqtt.Soak;
return await SoakRun.MainAsync(args);
