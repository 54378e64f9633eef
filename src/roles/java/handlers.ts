/**
 * The Java role's notification: a new or relinked JDK. Roles whose services run on Java
 * subscribe their restart handler to it (Role.notifiedBy); the Java role names no other role.
 */
export const JAVA_CHANGED = 'java.changed';
