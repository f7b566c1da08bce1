namespace ZeroDepMqtt.Sink;

// One place decides how a secret looks when printed, so no caller formats one by hand.
internal static class Mask
{
    public static string Secret(string? value) => value is null ? "(not set)" : "(set)";

    /// <summary>A server text with any user-info (<c>user:password@</c>) replaced, since options are not yet validated.</summary>
    public static string? Server(string? value)
    {
        int at = value?.LastIndexOf('@') ?? -1;
        if (at < 0) return value;
        int start = value!.IndexOf("://", StringComparison.Ordinal);
        start = start < 0 || start > at ? 0 : start + 3;
        return string.Concat(value.AsSpan(0, start), "****", value.AsSpan(at));
    }
}
