namespace ZeroDepMqtt.Fuzz.Harness;

/// <summary>
/// A harness oracle failed: the decoder disagreed with itself or the session broke an invariant. Under afl-fuzz
/// it is an unhandled exception, so a crash; in the replay tests it fails the test with its message.
/// </summary>
internal sealed class HarnessFailure(string message) : Exception(message);
