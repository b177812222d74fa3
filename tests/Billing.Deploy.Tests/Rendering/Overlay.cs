namespace Billing.Deploy.Tests.Rendering;

/// <summary>The Kustomize overlays under <c>deploy/kubernetes/overlays</c>.</summary>
public static class Overlay
{
    public const string Local = "local";
    public const string Production = "production";

    public static TheoryData<string> All => [Local, Production];
}
