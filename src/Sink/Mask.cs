namespace ZeroDepMqtt.Sink;

// One place decides how a secret looks when printed, so no caller formats one by hand.
internal static class Mask
{
    public static string Secret(string? value) => value is null ? "(not set)" : "(set)";
}
