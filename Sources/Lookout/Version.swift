public enum LookoutVersion {
    public static let current = "0.1.0"
}
