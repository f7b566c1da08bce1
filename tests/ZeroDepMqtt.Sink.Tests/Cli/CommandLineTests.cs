using ZeroDepMqtt.Cli;
using ZeroDepMqtt.Sink.Tests.Configuration;

namespace ZeroDepMqtt.Sink.Tests.Cli;

public sealed class CommandLineTests(TestFiles files) : IClassFixture<TestFiles>
{
    private sealed record Run(ExitCode Code, string Out, string Err)
    {
        public string All => Out + Err;
    }

    private static async Task<Run> Zdmqtt(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(args, new CliConsole(stdout, stderr, new StringReader("")));
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    private string WriteConfig(string name, string json)
    {
        files.Write(name, json);
        return files.PathOf(name);
    }

    [Fact]
    public async Task Validate_prints_resolved_settings_with_the_password_masked()
    {
        string path = WriteConfig("cli-azure.json", SeedExamples.AzureWrapped.Replace("*******************", TestFiles.Password));
        var run = await Zdmqtt("validate", "--config", path);

        Assert.Equal(ExitCode.Success, run.Code);
        Assert.Equal("", run.Err);
        Assert.Contains("server                ssl://xyz.azure-devices.net:8883 (TLS)", run.Out);
        Assert.Contains("password              (set)", run.Out);
        Assert.Contains("valid (not connected)", run.Out);
        Assert.DoesNotContain(TestFiles.Password, run.All);
    }

    [Fact]
    public async Task Validate_prints_warnings_to_stderr_and_only_the_settings_to_stdout()
    {
        string path = WriteConfig("cli-warn.json", """{"server": "ssl://hub.azure-devices.net", "topic": "t", "qos": 2, "colour": 1}""");
        var run = await Zdmqtt("validate", $"--config={path}");
        Assert.Equal(ExitCode.Success, run.Code);
        Assert.Contains("warning: qos: is 2, but Azure IoT Hub", run.Err);
        Assert.Contains("warning: colour: is not a known option", run.Err);
        Assert.DoesNotContain("warning", run.Out);
    }

    [Theory]
    [InlineData("clientId")]
    [InlineData("topic")]
    [InlineData("username")]
    [InlineData("password")]
    public async Task A_lone_surrogate_escape_exits_2_naming_the_option(string option)
    {
        string topic = option == "topic" ? "" : """, "topic": "t" """;
        string path = WriteConfig($"cli-surrogate-{option}.json", $$"""{"server": "tcp://127.0.0.1:1883"{{topic}}, "{{option}}": "x\ud800"}""");
        var run = await Zdmqtt("validate", "--config", path);
        Assert.Equal(ExitCode.ConfigurationError, run.Code);
        Assert.Contains($"error: {option}: contains a lone surrogate escape", run.Err);
        Assert.DoesNotContain("unexpected error", run.Err);
    }

    [Fact]
    public async Task Bad_config_exits_2_and_lists_every_error_on_stderr()
    {
        string path = WriteConfig("cli-bad.json", MalformedCases.Cfg(("qos", "\"1\""), ("topic", "\"a/#\""), ("retained", "1")));
        var run = await Zdmqtt("validate", "-c", path);

        Assert.Equal(ExitCode.ConfigurationError, run.Code);
        Assert.Equal(2, (int)run.Code);
        Assert.Contains("error: qos: \"1\" is a string; expected the integer 0, 1 or 2", run.Err);
        Assert.Contains("error: topic: ", run.Err);
        Assert.Contains("error: retained: 1 is a number", run.Err);
        Assert.Contains("3 configuration errors", run.Err);
        Assert.DoesNotContain("server ", run.Out); // no settings printed for an invalid config
    }

    public static IEnumerable<object[]> SecretIds() => SecretsTests.AllIds();

    [Theory]
    [MemberData(nameof(SecretIds))]
    public async Task No_secret_in_cli_output(string id)
    {
        string name = "cli-secret-" + id.Replace(':', '-') + ".json";
        string path;
        if (id.StartsWith("table:", StringComparison.Ordinal))
        {
            var c = MalformedCases.All[id["table:".Length..]];
            // TLS file names in the table are relative to the fixture directory; the CLI resolves from its own working directory.
            path = c.File is not null ? files.PathOf(c.File) : WriteConfig(name, AbsolutePaths(c.Json!));
        }
        else
        {
            path = WriteConfig(name, AbsolutePaths(SecretsTests.SecretCases[id["secret:".Length..]]));
        }
        var run = await Zdmqtt("validate", "--config", path);
        Assert.DoesNotContain(TestFiles.Password, run.All);
        Assert.DoesNotContain(TestFiles.Passphrase, run.All);
        Assert.DoesNotContain("Unhandled", run.All);
        Assert.DoesNotContain("   at ", run.All);
    }

    private string AbsolutePaths(string json)
    {
        foreach (var option in new[] { "certificationPath", "privateKeyPath", "rootCaPath" })
            json = json.Replace($"\"{option}\": \"", $"\"{option}\": \"{files.Dir}/");
        return json;
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Tool_help_lists_verbs_and_exit_codes(string flag)
    {
        var run = await Zdmqtt(flag);
        Assert.Equal(ExitCode.Success, run.Code);
        Assert.Contains("Usage: zdmqtt <command> [options]", run.Out);
        Assert.Contains("  validate    check a configuration file without connecting", run.Out);
        Assert.Contains("2 configuration error, 3 could not connect", run.Out);
    }

    [Theory]
    [InlineData("validate", "--help")]
    [InlineData("validate", "-c", "x.json", "-h")]
    [InlineData("help", "validate")]
    public async Task Verb_help(params string[] args)
    {
        var run = await Zdmqtt(args);
        Assert.Equal(ExitCode.Success, run.Code);
        Assert.StartsWith("Usage: zdmqtt validate --config <file.json>", run.Out);
    }

    [Theory]
    [InlineData(new string[0], "Usage: zdmqtt <command>")]
    [InlineData(new[] { "frobnicate" }, "zdmqtt: unknown command \"frobnicate\"; commands: publish, validate")]
    [InlineData(new[] { "validate" }, "zdmqtt: validate: --config is required")]
    [InlineData(new[] { "validate", "--config" }, "zdmqtt: validate: --config needs a value")]
    [InlineData(new[] { "validate", "--colour", "x" }, "zdmqtt: validate: unknown option --colour")]
    [InlineData(new[] { "validate", "-c", "a", "-c", "b" }, "zdmqtt: validate: --config is given more than once")]
    [InlineData(new[] { "validate", "a.json" }, "zdmqtt: validate: unexpected argument \"a.json\"")]
    public async Task Bad_command_lines_exit_1_with_one_line(string[] args, string message)
    {
        var run = await Zdmqtt(args);
        Assert.Equal(ExitCode.Failure, run.Code);
        Assert.Contains(message, run.Err);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task Missing_config_file_is_a_configuration_error()
    {
        var run = await Zdmqtt("validate", "--config", files.PathOf("nothing-here.json"));
        Assert.Equal(ExitCode.ConfigurationError, run.Code);
        Assert.Contains("not found", run.Err);
    }

    [Fact]
    public void Exit_codes_are_the_documented_numbers()
    {
        Assert.Equal(0, (int)ExitCode.Success);
        Assert.Equal(1, (int)ExitCode.Failure);
        Assert.Equal(2, (int)ExitCode.ConfigurationError);
        Assert.Equal(3, (int)ExitCode.ConnectionFailed);
    }

    [Fact]
    public async Task The_built_zdmqtt_validates_the_AWS_example_relative_to_its_working_directory()
    {
        files.Write("aws.json", SeedExamples.AwsWrapped);
        var (code, stdout, stderr) = await RunProcess(files.Dir, "validate", "--config", "aws.json");
        Assert.True(code == 0, stderr);
        Assert.Contains($"certificationPath     {files.PathOf("keys/d3807d9fa5-certificate.pem")}", stdout);

        files.Write("aws-bad.json", SeedExamples.AwsWrapped.Replace("keys/d3807d9fa5-private.pem.key", "keys/missing.key"));
        (code, stdout, stderr) = await RunProcess(files.Dir, "validate", "--config", "aws-bad.json");
        Assert.Equal(2, code);
        Assert.Contains("error: privateKeyPath: \"keys/missing.key\" not found", stderr);
        Assert.DoesNotContain("Unhandled", stderr);
    }

    private static async Task<(int Code, string Out, string Err)> RunProcess(string workingDirectory, params string[] args)
    {
        var run = await ZeroDepMqtt.Sink.Tests.Cli.Zdmqtt.ProcessAsync(workingDirectory, "", args);
        return (run.Code, run.Out, run.Err);
    }
}
