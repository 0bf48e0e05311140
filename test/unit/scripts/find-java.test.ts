import { describe, expect, it } from 'vitest';
import { findJava, parseMajor } from '../../../scripts/apicurio/find-java.ts';

describe('parseMajor', () => {
  it('reads the major version from `java -version` as each era prints it', () => {
    expect(parseMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toBe(17);
    expect(parseMajor('openjdk version "25" 2025-09-16')).toBe(25);
    expect(parseMajor('java version "1.8.0_412"')).toBe(8);
    expect(parseMajor('no version here')).toBeUndefined();
  });
});

describe('findJava', () => {
  it('finds a Java >= 21 on this machine (Apicurio Registry needs one)', () => {
    const java = findJava(21);
    expect(java).toMatch(/java$/);
  });

  it('says what it found when no Java is new enough', () => {
    expect(() => findJava(999)).toThrow(
      /needs Java 999 or newer and none was found[\s\S]*Looked at:[\s\S]*java: 17/,
    );
  });
});
